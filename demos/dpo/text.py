"""Every string of the "DPO" tab, English and Japanese, and the keys the code builds at run time.

One table for both sections (voting and training): `votes.py` and `training.py` import it, and the
package exports it with `BUILT_KEYS` for `app.py` and `tests/test_ui_text.py`.
"""
from __future__ import annotations

from demos.common import Table
from playground.dpo.preferences import CHOICES
from playground.dpo.training import POLICIES, WHOSE

PUSH_REFUSALS = ("repo_id", "no_token", "offline", "empty")  # the `reason`s of preferences.HubPushRefused
COMPARE_COLUMNS = ("prompt", "before", "after")
BOARD_COLUMNS = ("rank", "policy", "strength", "votes", "record", "versus", "status")  # the leaderboard table's
JUDGE_STATUSES = ("here", "reset", "retired", "elsewhere")  # what the leaderboard says of a policy (judge.Judging)

TEXT: Table = {
    "en": {
        # ---- section 1: voting
        "dpo_tab": "DPO",
        "dpo_intro": "# Direct Preference Optimization\nPick a prompt and get two answers from the same model "
                     "(different temperature and seed, sides shuffled). Vote for the better one; the votes "
                     "train the model in section 2. Every vote is saved before it is confirmed.",
        "dpo_collect_title": "## 1. Vote", "dpo_prompt": "Prompt (pick one or type your own)",
        "dpo_pairs_from": "Pairs from", "dpo_pairs_reference": "reference model",
        "dpo_pairs_trained": "trained policy",
        "dpo_pairs_info": "The trained policy is your own last run, or else the one published to the room; it is the "
                          "default once there is one: vote → train → vote on its answers → train again.",
        "dpo_recorded": "Recorded pair ({date}, {machine}) from the reference model: vote on it, or press "
            "**New pair** for a live one.",
        "dpo_live": "Live pair from this server.",
        "dpo_pair_button": "New pair", "dpo_answer_a": "Answer A", "dpo_answer_b": "Answer B",
        "dpo_choice": "Your vote", "dpo_choice_a": "A is better", "dpo_choice_b": "B is better",
        "dpo_choice_tie": "Tie", "dpo_choice_bad": "Both bad", "dpo_comment": "Comment (optional)",
        "dpo_vote_button": "Vote", "dpo_undo": "Undo my last vote", "dpo_export_button": "Export (TRL JSONL)",
        "dpo_export_file": "Preference data", "dpo_conversational": "Conversational format (lists of messages)",
        "dpo_settings": "Generation settings", "dpo_max_tokens": "Max new tokens", "dpo_seed": "Seed",
        "dpo_counts": "**Votes stored:** {total} (you: {session}) · A/B decided: {decisive} · tie: {tie} · "
                      "both bad: {both_bad} · voters: {voters}",
        "dpo_voted": "Vote #{vote_id} saved (pair from the {policy}). Side A was temperature {ta}, seed {sa}; "
                     "side B temperature {tb}, seed {sb}. Ask for a new pair.",
        "dpo_undone": "Vote #{vote_id} removed.", "dpo_nothing_to_undo": "You have no vote to undo.",
        "dpo_no_pair": "Generate a pair of answers first (New pair), then vote.",
        "dpo_no_choice": "Choose A, B, tie or both bad before voting.",
        "dpo_err_untrained": "There is no trained policy yet: train one in section 2, or take the pairs from the "
                             "reference model.",
        "dpo_live_reference": "**Your policy:** the reference model ({model}); nothing is published to the room yet. "
                              "New pairs come from it.",
        "dpo_live_own": "**Your policy:** your own run {run} ({objective}, {steps} steps on {pairs} pairs, finished "
                        "{finished} UTC), **only you** get it: your pairs and your Generate tab. Everyone else keeps "
                        "the room's policy until you press *Publish to the room* (section 2).",
        "dpo_live_room": "**Room policy:** published run {run} ({objective}, {steps} steps on {pairs} pairs, finished "
                         "{finished} UTC) answers everyone without a run of their own. New pairs come from it unless "
                         "you pick the reference model.",
        "dpo_live_evicted": "**Your policy:** your run {run} was let go to free memory (this server keeps the {kept} "
                            "most recent visitors' runs). Train again, or press *Discard my policy* to get the room's.",
        "dpo_push_repo": "Hub dataset id (user/name; pushed as a private dataset)",
        "dpo_push_button": "Push to the Hub",
        "dpo_pushed": "Pushed {rows} preference rows to [{repo_id}]({url}) (private).",
        "dpo_push_repo_id": "Hub dataset id must look like user/name (letters, digits, - _ .), got {value}.",
        "dpo_push_no_token": "Pushing to the Hub needs a write token: start the server with HF_TOKEN set "
                             "(https://huggingface.co/settings/tokens), or export the JSONL file instead.",
        "dpo_push_offline": "The Hub is switched off on this server (offline mode): export the JSONL file instead.",
        "dpo_push_empty": "There are no decisive votes (A or B better) to push yet: vote on a few pairs.",
        # ---- section 2: training
        "dpo_train_title": "## 2. Train on the preferences",
        "dpo_train_intro": "**DPO** raises the chosen answers' probability relative to a frozen reference and "
                           "lowers the rejected ones'. On its own answers a small model can win that game by "
                           "making *both* answers unlikely and collapse into loops; **DPO + SFT** also keeps "
                           "the chosen answers likely (RPO), which here changed the style without collapse. "
                           "Watch the repeated-3-gram rate: it rises when the model starts to loop. "
                           "In a run from the reference, reward accuracy is 0 at step 1 because policy = reference and "
                           "ties count as wrong.",
        "dpo_mode": "Objective", "dpo_mode_sft": "DPO + SFT", "dpo_mode_plain": "DPO",
        "dpo_data": "Training pairs", "dpo_data_demo": "Demo set", "dpo_data_votes": "Votes", "dpo_data_both": "Both",
        "dpo_steps": "Steps", "dpo_batch": "Pairs per step", "dpo_lr": "Learning rate", "dpo_beta": "β",
        "dpo_lora": "LoRA (unticked: full fine-tune of a copy)",
        "dpo_train_button": "Train", "dpo_stop": "Stop", "dpo_reset": "Discard my policy",
        "dpo_status_ref": "Answering the held-out prompts with the reference model...",
        "dpo_status_step": "Step {step}/{steps} · loss {loss:.3f} · margin {margin:.2f} · "
                           "accuracy {accuracy:.2f} · {seconds:.1f} s/step",
        "dpo_status_after": "Answering the held-out prompts with the trained policy...",
        "dpo_status_done": "Done: {steps} steps. Repeated-3-gram rate {before:.2f} → {after:.2f}. The trained policy "
                           "now answers your vote pairs and, if picked, your Generate tab; nobody else gets it until "
                           "you press **Publish to the room**.",
        "dpo_train_recorded": "Recorded run ({date}, {machine}): {objective} on the demo set, {steps} LoRA steps of "
                              "{batch} pairs, β = {beta:g}, {seconds:.0f} s. Repeated-3-gram rate {before:.2f} → "
                              "{after:.2f}. Press **Train** for a live run on this server (its policy then answers "
                              "your vote pairs; only yours until you publish it).",
        "dpo_recorded_fig_title": "DPO training, recorded run ({date})",
        "dpo_plot_train": "DPO training: loss, rewards and reward accuracy by step",
        "dpo_plot_explainer": "DPO loss and gradient weight against the margin, per β",
        "dpo_status_continued": "Run {run}, continued from run {continued_from} ({total_steps} steps in all).",
        "dpo_continue": "Continue from the trained policy",
        "dpo_continue_info": "Ticked: the run starts from the weights of the trained policy that answers you (your own "
                             "run, else the room's): the next round of vote → train → vote → train; the reference "
                             "stays the untrained model. Unticked, or with no trained policy: the run starts from the "
                             "reference.",
        "dpo_status_reset": "Your trained policy was discarded; you get the room's policy again.",
        "dpo_status_nothing": "You had no trained policy of your own to discard.",
        # training settings only library callers set (no widget): named in refusals all the same
        "dpo_session_id": "Session id", "dpo_policy_a": "Policy A", "dpo_policy_b": "Policy B",
        "dpo_err_no_decisive": "There are no decisive votes (A or B better) to export yet: vote on a few pairs.",
        "dpo_lora_r": "LoRA rank", "dpo_max_answer_tokens": "Answer tokens trained on",
        "dpo_health_every": "Health check every (steps)", "dpo_answer_tokens": "Answer length (tokens)",
        "dpo_train_seed": "Training seed",
        "dpo_err_no_pairs": "There are no preference pairs to train on: vote on a few pairs or use the demo set.",
        "dpo_err_busy": "A training run is already in progress on this server; wait for it to finish.",
        "dpo_err_evicted": "Your trained policy (run {run}) was let go to free memory (this server keeps the {kept} "
                           "most recent visitors' runs): train again, or press *Discard my policy* to use the room's.",
        "dpo_err_nothing_to_publish": "You have no trained run of your own to publish: train one first (a published "
                                      "run is already the room's).",
        "dpo_err_key_missing": "Publishing to the room needs the presenter key on this server: type it in the "
                               "*Presenter key* field.",
        "dpo_err_key_wrong": "That presenter key is not the one this server was started with: check it and try again.",
        "dpo_publish_intro": "**Only you** get your trained policy. *Publish to the room* makes it the policy of "
                             "everyone who has not trained their own (Generate, vote pairs, the header) and enters it "
                             "in judge mode (section 3); *Reset the room* takes everyone back to the reference model.",
        "dpo_publish_key": "Presenter key", "dpo_publish_key_info": "Set by the host (PLAYGROUND_PRESENTER_KEY).",
        "dpo_publish_button": "Publish to the room", "dpo_room_reset_button": "Reset the room to the reference model",
        "dpo_published": "Run {run} is now the room's policy: everyone without a run of their own gets it, and judge "
                         "mode pairs it with the reference.",
        "dpo_room_reset": "The room is back on the reference model; its published runs are no longer judged here.",
        "dpo_room_nothing": "Nothing was published to the room: it already answers with the reference model.",
        "dpo_fig_title": "DPO training, live", "dpo_fig_loss": "loss", "dpo_fig_rewards": "reward",
        "dpo_fig_accuracy": "share", "dpo_fig_step": "step", "dpo_fig_chosen": "chosen",
        "dpo_fig_rejected": "rejected", "dpo_fig_margin": "margin", "dpo_fig_accuracy_line": "reward accuracy",
        "dpo_fig_repeats": "repeated 3-grams",
        "dpo_compare": "**Held-out prompts:** reference (before) and trained policy (after)",
        "dpo_col_prompt": "prompt", "dpo_col_before": "before", "dpo_col_after": "after",
        "dpo_explain_title": "## How the loss pulls", "dpo_betas": "β values",
        "dpo_loss_fig_title": "DPO loss (solid) and gradient weight σ(−β·margin) (dotted)",
        "dpo_loss_fig_x": "log-ratio margin (chosen − rejected)", "dpo_loss_fig_loss": "loss",
        "dpo_loss_fig_weight": "weight", "dpo_no_betas": "β values: pick at least one (0.05, 0.1, 0.5 or 1.0).",
        # ---- section 3: judge mode and the leaderboard
        "dpo_judge_title": "## 3. Judge the policies (blind)",
        "dpo_judge_intro": "Did the room's training make answers the room *prefers*? Each judge pair is two policies "
                           "(the reference model and the runs published to the room here) answering the same held-out "
                           "prompt, one that training never saw, with the same settings. Sides are shuffled and the "
                           "names stay hidden until your vote is saved. Pairs are scheduled so every two policies are "
                           "compared about equally often. Judge votes are kept apart: they never become training data.",
        "dpo_judge_replicas": "Judge pairs come only from the policies this server holds: the reference and its last 3 "
                              "published runs (weights live in the replica that trained them; a run nobody published "
                              "is not judged). The leaderboard counts the judge votes of every replica that shares the "
                              "vote database.",
        "dpo_judge_pair_button": "New judge pair", "dpo_judge_prompt": "Held-out prompt",
        "dpo_judge_need_run": "Judge mode needs two policies: train a run in section 2 and publish it to the room "
                              "first (the reference model is the other side).",
        "dpo_judge_decoding": "Both policies are answering... (who is who stays hidden until you vote)",
        "dpo_judge_ready": "Which answer is better? Vote; the names are shown after your vote is saved.",
        "dpo_judge_no_pair": "Ask for a judge pair first (New judge pair), then vote.",
        "dpo_judge_revealed": "Judge vote #{vote_id} saved ({choice}). **A** was {a}; **B** was {b}.",
        "dpo_judge_choice_a": "A is better", "dpo_judge_choice_b": "B is better", "dpo_judge_choice_tie": "tie",
        "dpo_judge_choice_both_bad": "both bad",
        "dpo_judge_reference": "reference model", "dpo_judge_run": "run {run}", "dpo_judge_from": " (from run {run})",
        "dpo_judge_status_here": "judged here", "dpo_judge_status_reset": "reset: no longer judged",
        "dpo_judge_status_retired": "retired: only the last 3 published runs are kept",
        "dpo_judge_status_elsewhere": "another replica, or before a restart: not judged here",
        "dpo_judge_export_button": "Export judge votes (JSONL)", "dpo_board_export_button": "Export leaderboard (CSV)",
        "dpo_judge_export_file": "Judge votes / leaderboard",
        "dpo_board_title": "### Leaderboard",
        "dpo_board_counting": "Bradley-Terry strength θ: the log-odds of beating the reference model (θ = 0.5 is about "
                              "62 %); the reference is the anchor, θ = 0. A tie and a \"both bad\" count as half a win "
                              "for each side, in the strengths and in the percentages. Brackets: 95 % intervals from "
                              "1,000 bootstrap resamples of the votes. *Provisional*: fewer than 10 votes. Record: "
                              "wins / ties / both bad / losses.",
        "dpo_board_empty": "No judge votes yet: ask for a judge pair and vote.",
        "dpo_board_no_reference": "No run has been judged against the reference model yet.",
        "dpo_board_sentence": "**{name}** beats the reference in {share} % of {votes} votes (95 % CI {low}–{high} %)",
        "dpo_board_provisional_note": " (provisional: fewer than {threshold} votes)",
        "dpo_board_provisional": "provisional",
        "dpo_board_col_rank": "rank", "dpo_board_col_policy": "policy", "dpo_board_col_strength": "strength θ [95 % CI]",
        "dpo_board_col_votes": "votes", "dpo_board_col_record": "record (W / T / both bad / L)",
        "dpo_board_col_versus": "vs reference [95 % CI]", "dpo_board_col_status": "status",
        "dpo_plot_board": "Leaderboard: Bradley-Terry strength of each policy with its 95 % interval",
        "dpo_board_fig_title": "Strength against the reference (95 % bootstrap intervals)",
        "dpo_board_fig_x": "policy", "dpo_board_fig_y": "θ (log-odds of beating the reference)",
        "dpo_board_fig_provisional": "provisional (few votes)", "dpo_board_fig_measured": "10 votes or more",
        "dpo_board_fig_reference": "reference model",
        "dpo_board_fig_empty": "No judge votes yet: press New judge pair above and vote; the runs appear here.",
    },
    "ja": {
        # ---- セクション 1: 投票
        "dpo_tab": "DPO（直接選好最適化）",
        "dpo_intro": "# 直接選好最適化（DPO）\nプロンプトを選ぶと、同じモデルが 2 つの回答を出します（温度とシードが"
                     "異なり、左右はランダム）。良い方に投票してください。投票はセクション 2 でモデルの学習に使われます。"
                     "投票は確定表示の前に保存されます。",
        "dpo_collect_title": "## 1. 投票", "dpo_prompt": "プロンプト（選ぶか入力）",
        "dpo_pairs_from": "ペアを出すモデル", "dpo_pairs_reference": "参照モデル",
        "dpo_pairs_trained": "学習した方策",
        "dpo_pairs_info": "学習した方策とは、あなた自身の直近の学習、なければ会場に公開された方策です。方策があるときは"
                          "それが既定になります: 投票 → 学習 → その回答に投票 → もう一度学習。",
        "dpo_recorded": "記録済みのペア（{date}、{machine}、参照モデル）: このまま投票するか、**新しいペア** を押すと"
            "その場で生成します。",
        "dpo_live": "このサーバーで生成したペアです。",
        "dpo_pair_button": "新しいペア", "dpo_answer_a": "回答 A", "dpo_answer_b": "回答 B",
        "dpo_choice": "あなたの投票", "dpo_choice_a": "A が良い", "dpo_choice_b": "B が良い",
        "dpo_choice_tie": "引き分け", "dpo_choice_bad": "どちらも悪い", "dpo_comment": "コメント（任意）",
        "dpo_vote_button": "投票", "dpo_undo": "直前の投票を取り消す", "dpo_export_button": "エクスポート（TRL JSONL）",
        "dpo_export_file": "選好データ", "dpo_conversational": "会話形式（メッセージのリスト）",
        "dpo_settings": "生成の設定", "dpo_max_tokens": "最大新規トークン数", "dpo_seed": "シード",
        "dpo_counts": "**保存された投票:** {total}（あなた: {session}）· A/B の判定: {decisive} · 引き分け: {tie} · "
                      "どちらも悪い: {both_bad} · 投票者: {voters}",
        "dpo_voted": "投票 #{vote_id} を保存しました（ペアは{policy}の回答）。A は温度 {ta}・シード {sa}、"
                     "B は温度 {tb}・シード {sb} でした。新しいペアを出してください。",
        "dpo_undone": "投票 #{vote_id} を取り消しました。", "dpo_nothing_to_undo": "取り消す投票はありません。",
        "dpo_no_pair": "先に「新しいペア」で回答を 2 つ出してから投票してください。",
        "dpo_no_choice": "投票する前に A・B・引き分け・どちらも悪いのいずれかを選んでください。",
        "dpo_err_untrained": "学習した方策はまだありません。セクション 2 で学習するか、参照モデルのペアを選んでください。",
        "dpo_live_reference": "**あなたの方策:** 参照モデル（{model}）。会場にはまだ何も公開されていません。新しいペアは"
                              "このモデルが答えます。",
        "dpo_live_own": "**あなたの方策:** あなた自身の学習 {run}（{objective}、{pairs} ペアで {steps} ステップ、{finished} "
                        "UTC に完了）。使えるのは**あなただけ**です（あなたのペアと「生成」タブ）。「会場に公開」"
                        "（セクション 2）を押すまで、ほかの人は会場の方策のままです。",
        "dpo_live_room": "**会場の方策:** 公開された学習 {run}（{objective}、{pairs} ペアで {steps} ステップ、{finished} "
                         "UTC に完了）が、自分で学習していない全員に答えます。参照モデルを選ばない限り、新しいペアは"
                         "この方策が答えます。",
        "dpo_live_evicted": "**あなたの方策:** あなたの学習 {run} はメモリ確保のため破棄されました（このサーバーは直近 "
                            "{kept} 人分の学習を保持します）。もう一度学習するか、「自分の方策を破棄」で会場の方策を"
                            "使ってください。",
        "dpo_push_repo": "Hub のデータセット ID（user/name、非公開で送信）",
        "dpo_push_button": "Hub に送信",
        "dpo_pushed": "{rows} 行の選好データを [{repo_id}]({url}) に送信しました（非公開）。",
        "dpo_push_repo_id": "Hub のデータセット ID は user/name の形（英数字と - _ .）にしてください。入力: {value}",
        "dpo_push_no_token": "Hub への送信には書き込みトークンが必要です。HF_TOKEN を設定してサーバーを起動するか"
                             "（https://huggingface.co/settings/tokens）、JSONL ファイルをエクスポートしてください。",
        "dpo_push_offline": "このサーバーでは Hub が無効です（オフラインモード）。JSONL ファイルをエクスポートしてください。",
        "dpo_push_empty": "送信できる判定済みの投票（A または B が良い）がまだありません。いくつか投票してください。",
        # ---- セクション 2: 学習
        "dpo_train_title": "## 2. 選好で学習する",
        "dpo_train_intro": "**DPO** は固定した参照モデルに対して、選ばれた回答の確率を上げ、選ばれなかった回答の確率を"
                           "下げます。自分の回答で学習すると、小さなモデルは*両方*の回答の確率を下げて勝とうとし、"
                           "同じ言葉を繰り返すように崩壊することがあります。**DPO + SFT** は選ばれた回答の確率も保つ"
                           "（RPO）ので、ここでは崩壊せずに文体が変わりました。3-gram 反復率に注目してください。"
                           "繰り返しが始まると上がります。参照モデルから始めた学習でステップ 1 の報酬正解率が 0 なのは、"
                           "方策 = 参照で同点は"
                           "不正解と数えるためです。",
        "dpo_mode": "目的関数", "dpo_mode_sft": "DPO + SFT", "dpo_mode_plain": "DPO",
        "dpo_data": "学習ペア", "dpo_data_demo": "デモセット", "dpo_data_votes": "投票", "dpo_data_both": "両方",
        "dpo_steps": "ステップ数", "dpo_batch": "1 ステップのペア数", "dpo_lr": "学習率", "dpo_beta": "β",
        "dpo_lora": "LoRA（外すとコピーを全パラメータ学習）",
        "dpo_train_button": "学習", "dpo_stop": "停止", "dpo_reset": "自分の方策を破棄",
        "dpo_status_ref": "参照モデルで評価用プロンプトに回答中...",
        "dpo_status_step": "ステップ {step}/{steps} · 損失 {loss:.3f} · マージン {margin:.2f} · "
                           "正解率 {accuracy:.2f} · {seconds:.1f} 秒/ステップ",
        "dpo_status_after": "学習した方策で評価用プロンプトに回答中...",
        "dpo_status_done": "完了: {steps} ステップ。3-gram 反復率 {before:.2f} → {after:.2f}。これからは学習した方策が"
                           "あなたの投票のペアに答え、選べばあなたの「生成」タブでも答えます。**会場に公開** を押すまで"
                           "ほかの人には使われません。",
        "dpo_train_recorded": "記録済みの実行（{date}、{machine}）: デモセットで {objective}、{batch} ペアずつ LoRA で "
                              "{steps} ステップ、β = {beta:g}、{seconds:.0f} 秒。3-gram 反復率 {before:.2f} → {after:.2f}。"
                              "**学習** を押すとこのサーバーでその場で学習します（その方策があなたの投票のペアに答えます。"
                              "公開するまではあなただけのものです）。",
        "dpo_recorded_fig_title": "DPO 学習（記録済みの実行、{date}）",
        "dpo_plot_train": "DPO 学習: ステップごとの損失・報酬・報酬正解率",
        "dpo_plot_explainer": "β ごとの、マージンに対する DPO 損失と勾配の重み",
        "dpo_status_continued": "学習 {run}（学習 {continued_from} の続き、通算 {total_steps} ステップ）。",
        "dpo_continue": "学習した方策から続ける",
        "dpo_continue_info": "オン: あなたに答える学習済み方策（あなた自身の学習、なければ会場の方策）の重みから学習を"
                             "始めます（投票 → 学習 → 投票 → 学習 の次の回）。参照モデルは学習前のモデルのままです。"
                             "オフ、または学習済みの方策がないとき: 参照モデルから始めます。",
        "dpo_status_reset": "あなたの学習した方策を破棄しました。これからは会場の方策が答えます。",
        "dpo_status_nothing": "破棄する自分の学習済み方策はありません。",
        "dpo_session_id": "セッション ID", "dpo_policy_a": "方策 A", "dpo_policy_b": "方策 B",
        "dpo_err_no_decisive": "エクスポートできる決定的な投票（A か B が良い）はまだありません。いくつか投票してください。",
        "dpo_lora_r": "LoRA のランク", "dpo_max_answer_tokens": "学習する回答のトークン数",
        "dpo_health_every": "健全性チェックの間隔（ステップ）", "dpo_answer_tokens": "回答の長さ（トークン）",
        "dpo_train_seed": "学習のシード",
        "dpo_err_no_pairs": "学習する選好ペアがありません。いくつか投票するか、デモセットを使ってください。",
        "dpo_err_busy": "このサーバーでは学習が実行中です。終わるまでお待ちください。",
        "dpo_err_evicted": "あなたの学習した方策（学習 {run}）はメモリ確保のため破棄されました（このサーバーは直近 "
                           "{kept} 人分の学習を保持します）。もう一度学習するか、「自分の方策を破棄」で会場の方策を"
                           "使ってください。",
        "dpo_err_nothing_to_publish": "公開できる自分の学習がありません。先に学習してください（公開済みの学習はすでに"
                                      "会場のものです）。",
        "dpo_err_key_missing": "このサーバーでは、会場への公開に発表者キーが必要です。「発表者キー」欄に入力してください。",
        "dpo_err_key_wrong": "発表者キーが、このサーバーの起動時に設定されたものと違います。確認してもう一度お試しください。",
        "dpo_publish_intro": "学習した方策を使えるのは**あなただけ**です。「会場に公開」を押すと、自分で学習していない全員の"
                             "方策（「生成」、投票のペア、ヘッダー）になり、審査モード（セクション 3）にも入ります。"
                             "「会場を参照モデルに戻す」で全員が参照モデルに戻ります。",
        "dpo_publish_key": "発表者キー", "dpo_publish_key_info": "ホストが設定します（PLAYGROUND_PRESENTER_KEY）。",
        "dpo_publish_button": "会場に公開", "dpo_room_reset_button": "会場を参照モデルに戻す",
        "dpo_published": "学習 {run} が会場の方策になりました。自分で学習していない全員に答え、審査モードで参照モデルと"
                         "比べられます。",
        "dpo_room_reset": "会場は参照モデルに戻りました。公開されていた学習はここではもう審査されません。",
        "dpo_room_nothing": "会場には何も公開されていません。すでに参照モデルが答えています。",
        "dpo_fig_title": "DPO 学習（ライブ）", "dpo_fig_loss": "損失", "dpo_fig_rewards": "報酬",
        "dpo_fig_accuracy": "割合", "dpo_fig_step": "ステップ", "dpo_fig_chosen": "選ばれた回答",
        "dpo_fig_rejected": "選ばれなかった回答", "dpo_fig_margin": "マージン", "dpo_fig_accuracy_line": "報酬正解率",
        "dpo_fig_repeats": "3-gram 反復率",
        "dpo_compare": "**評価用プロンプト:** 参照モデル（前）と学習した方策（後）",
        "dpo_col_prompt": "プロンプト", "dpo_col_before": "前", "dpo_col_after": "後",
        "dpo_explain_title": "## 損失の引っ張り方", "dpo_betas": "β の値",
        "dpo_loss_fig_title": "DPO 損失（実線）と勾配の重み σ(−β·マージン)（点線）",
        "dpo_loss_fig_x": "対数比のマージン（選ばれた − 選ばれなかった）", "dpo_loss_fig_loss": "損失",
        "dpo_loss_fig_weight": "重み", "dpo_no_betas": "β の値: 少なくとも 1 つ選んでください（0.05、0.1、0.5、1.0）。",
        # ---- セクション 3: 審査モードとリーダーボード
        "dpo_judge_title": "## 3. 方策をブラインドで審査する",
        "dpo_judge_intro": "会場の学習で、会場が*好む*回答になったでしょうか？ 審査ペアは 2 つの方策（参照モデルと、ここで"
                           "会場に公開された方策）が、学習に一度も使われていない同じ評価用プロンプトに同じ設定で答えたもの"
                           "です。左右はランダムで、どちらがどの方策かは投票が保存されるまで伏せられます。どの 2 つの方策も"
                           "ほぼ同じ回数比べられるように順番を決めます。審査の投票は別に保存され、学習データにはなりません。",
        "dpo_judge_replicas": "審査ペアはこのサーバーが持つ方策だけから作ります: 参照モデルと、直近 3 回の公開された学習"
                              "（重みは学習したレプリカにあります。公開されていない学習は審査されません）。リーダーボードは"
                              "投票データベースを共有するすべてのレプリカの審査の投票を数えます。",
        "dpo_judge_pair_button": "新しい審査ペア", "dpo_judge_prompt": "評価用プロンプト",
        "dpo_judge_need_run": "審査モードには方策が 2 つ必要です。先にセクション 2 で学習し、会場に公開してください"
                              "（もう一方は参照モデルです）。",
        "dpo_judge_decoding": "2 つの方策が回答中...（どちらがどの方策かは投票まで伏せられます）",
        "dpo_judge_ready": "どちらの回答が良いですか？ 投票が保存されると方策の名前が表示されます。",
        "dpo_judge_no_pair": "先に「新しい審査ペア」を出してから投票してください。",
        "dpo_judge_revealed": "審査の投票 #{vote_id} を保存しました（{choice}）。**A** は{a}、**B** は{b}でした。",
        "dpo_judge_choice_a": "A が良い", "dpo_judge_choice_b": "B が良い", "dpo_judge_choice_tie": "引き分け",
        "dpo_judge_choice_both_bad": "どちらも悪い",
        "dpo_judge_reference": "参照モデル", "dpo_judge_run": "学習 {run}", "dpo_judge_from": "（学習 {run} の続き）",
        "dpo_judge_status_here": "ここで審査中", "dpo_judge_status_reset": "リセット済み: もう審査されません",
        "dpo_judge_status_retired": "引退: 直近 3 回の公開された学習だけを保持します",
        "dpo_judge_status_elsewhere": "別のレプリカか再起動前のもの: ここでは審査されません",
        "dpo_judge_export_button": "審査の投票をエクスポート（JSONL）",
        "dpo_board_export_button": "リーダーボードをエクスポート（CSV）",
        "dpo_judge_export_file": "審査の投票 / リーダーボード",
        "dpo_board_title": "### リーダーボード",
        "dpo_board_counting": "Bradley-Terry の強さ θ: 参照モデルに勝つ対数オッズです（θ = 0.5 でおよそ 62 %）。参照モデルが"
                              "基準で θ = 0 です。引き分けと「どちらも悪い」は、強さでも割合でも両方に半分の勝ちとして"
                              "数えます。かっこ内: 投票を 1,000 回ブートストラップ再標本化した 95 % 区間。*暫定*: 投票が "
                              "10 票未満。成績: 勝ち / 引き分け / どちらも悪い / 負け。",
        "dpo_board_empty": "審査の投票はまだありません。審査ペアを出して投票してください。",
        "dpo_board_no_reference": "参照モデルと比べて審査された学習はまだありません。",
        "dpo_board_sentence": "**{name}** は {votes} 票中 {share} % で参照モデルに勝っています（95 % 信頼区間 {low}〜{high} %）",
        "dpo_board_provisional_note": "（暫定: 投票が {threshold} 票未満）",
        "dpo_board_provisional": "暫定",
        "dpo_board_col_rank": "順位", "dpo_board_col_policy": "方策", "dpo_board_col_strength": "強さ θ [95 % 区間]",
        "dpo_board_col_votes": "投票数", "dpo_board_col_record": "成績（勝 / 分 / どちらも悪い / 負）",
        "dpo_board_col_versus": "参照モデルとの対戦 [95 % 区間]", "dpo_board_col_status": "状態",
        "dpo_plot_board": "リーダーボード: 各方策の Bradley-Terry の強さと 95 % 区間",
        "dpo_board_fig_title": "参照モデルに対する強さ（95 % ブートストラップ区間）",
        "dpo_board_fig_x": "方策", "dpo_board_fig_y": "θ（参照モデルに勝つ対数オッズ）",
        "dpo_board_fig_provisional": "暫定（投票が少ない）", "dpo_board_fig_measured": "10 票以上",
        "dpo_board_fig_reference": "参照モデル",
        "dpo_board_fig_empty": "審査の投票はまだありません。上の「新しい審査ペア」を押して投票すると、ここに各回が現れます。",
    },
}

BUILT_KEYS = {  # keys built with f-strings, and the values they take (checked by tests/test_ui_text.py)
    "dpo_pairs_{}": lambda: POLICIES,
    "dpo_live_{}": lambda: WHOSE,
    "dpo_push_{}": lambda: PUSH_REFUSALS,
    "dpo_col_{}": lambda: COMPARE_COLUMNS,
    "dpo_board_col_{}": lambda: BOARD_COLUMNS,
    "dpo_judge_status_{}": lambda: JUDGE_STATUSES,
    "dpo_judge_choice_{}": lambda: CHOICES,
}
