"""Every string of the "DPO" tab, English and Japanese, and the keys the code builds at run time.

One table for both sections (voting and training): `votes.py` and `training.py` import it, and the
package exports it with `BUILT_KEYS` for `app.py` and `tests/test_ui_text.py`.
"""
from __future__ import annotations

from demos.common import Table
from playground.dpo.training import POLICIES

PUSH_REFUSALS = ("repo_id", "no_token", "offline", "empty")  # the `reason`s of preferences.HubPushRefused
COMPARE_COLUMNS = ("prompt", "before", "after")

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
        "dpo_pairs_info": "The trained policy is the default once a run has finished: vote → train → vote on its "
                          "answers → train again.",
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
        "dpo_comment_too_long": "Comment has {got:,} characters; the limit is {limit:,}: shorten it.",
        "dpo_comment_nul": "Comment contains a NUL character (\\x00), which cannot be stored: remove it.",
        "dpo_err_untrained": "There is no trained policy yet: train one in section 2, or take the pairs from the "
                             "reference model.",
        "dpo_live_reference": "**Live policy:** the reference model ({model}). New pairs come from it.",
        "dpo_live_trained": "**Live policy:** trained here (run {run}: {objective}, {steps} steps on {pairs} pairs, "
                            "finished {finished} UTC). New pairs come from it unless you pick the reference model; "
                            "*Reset to the reference model* switches back.",
        "dpo_live_continued": "**Live policy:** trained here (run {run}, continued from run {continued_from}: "
                              "{objective}, {steps} steps on {pairs} pairs, {total_steps} steps in all, finished "
                              "{finished} UTC). New pairs come from it unless you pick the reference model; "
                              "*Reset to the reference model* switches back.",
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
        "dpo_train_button": "Train", "dpo_stop": "Stop", "dpo_reset": "Reset to the reference model",
        "dpo_status_ref": "Answering the held-out prompts with the reference model...",
        "dpo_status_step": "Step {step}/{steps} · loss {loss:.3f} · margin {margin:.2f} · "
                           "accuracy {accuracy:.2f} · {seconds:.1f} s/step",
        "dpo_status_after": "Answering the held-out prompts with the trained policy...",
        "dpo_status_done": "Done: {steps} steps. Repeated-3-gram rate {before:.2f} → {after:.2f}. The trained policy "
                           "now answers the vote pairs and, if picked, the Generate tab.",
        "dpo_train_recorded": "Recorded run ({date}, {machine}): {objective} on the demo set, {steps} LoRA steps of "
                              "{batch} pairs, β = {beta:g}, {seconds:.0f} s. Repeated-3-gram rate {before:.2f} → "
                              "{after:.2f}. Press **Train** for a live run on this server (its policy then answers "
                              "the vote pairs).",
        "dpo_recorded_fig_title": "DPO training, recorded run ({date})",
        "dpo_plot_train": "DPO training: loss, rewards and reward accuracy by step",
        "dpo_plot_explainer": "DPO loss and gradient weight against the margin, per β",
        "dpo_status_continued": "Run {run}, continued from run {continued_from} ({total_steps} steps in all).",
        "dpo_continue": "Continue from the trained policy",
        "dpo_continue_info": "Ticked: the run starts from the live trained policy's weights (the next round of "
                             "vote → train → vote → train); the reference stays the untrained model. Unticked, or "
                             "with no trained policy live: the run starts from the reference.",
        "dpo_status_reset": "The trained policy was discarded; the reference model is back.",
        "dpo_status_nothing": "There was no trained policy to reset.",
        "dpo_err_config": "Training setting {field} must be a whole number from {low} to {high}, got {value}.",
        "dpo_err_learning_rate": "The learning rate must be in (0, 0.01], got {value}; try 2e-4 with LoRA.",
        "dpo_err_beta": "β must be in (0, 5], got {value}; 0.1 is the usual value.",
        "dpo_err_no_pairs": "There are no preference pairs to train on: vote on a few pairs or use the demo set.",
        "dpo_err_busy": "A training run is already in progress on this server; wait for it to finish.",
        "dpo_err_reset_busy": "A training run is in progress; reset the policy after it has finished.",
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
        "dpo_pairs_info": "学習が終わると、学習した方策が既定になります: 投票 → 学習 → その回答に投票 → もう一度学習。",
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
        "dpo_comment_too_long": "コメントは {got:,} 文字です。上限は {limit:,} 文字なので、短くしてください。",
        "dpo_comment_nul": "コメントに保存できない NUL 文字（\\x00）が含まれています。削除してください。",
        "dpo_err_untrained": "学習した方策はまだありません。セクション 2 で学習するか、参照モデルのペアを選んでください。",
        "dpo_live_reference": "**現在の方策:** 参照モデル（{model}）。新しいペアはこのモデルが答えます。",
        "dpo_live_trained": "**現在の方策:** このサーバーで学習したもの（学習 {run}: {objective}、{pairs} ペアで "
                            "{steps} ステップ、{finished} UTC に完了）。参照モデルを選ばない限り、新しいペアはこの方策が"
                            "答えます。「参照モデルに戻す」で元に戻ります。",
        "dpo_live_continued": "**現在の方策:** このサーバーで学習したもの（学習 {run}、学習 {continued_from} の続き: "
                              "{objective}、{pairs} ペアで {steps} ステップ、通算 {total_steps} ステップ、{finished} UTC "
                              "に完了）。参照モデルを選ばない限り、新しいペアはこの方策が答えます。「参照モデルに戻す」で"
                              "元に戻ります。",
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
        "dpo_train_button": "学習", "dpo_stop": "停止", "dpo_reset": "参照モデルに戻す",
        "dpo_status_ref": "参照モデルで評価用プロンプトに回答中...",
        "dpo_status_step": "ステップ {step}/{steps} · 損失 {loss:.3f} · マージン {margin:.2f} · "
                           "正解率 {accuracy:.2f} · {seconds:.1f} 秒/ステップ",
        "dpo_status_after": "学習した方策で評価用プロンプトに回答中...",
        "dpo_status_done": "完了: {steps} ステップ。3-gram 反復率 {before:.2f} → {after:.2f}。これからは学習した方策が"
                           "投票のペアに答え、選べば「生成」タブでも答えます。",
        "dpo_train_recorded": "記録済みの実行（{date}、{machine}）: デモセットで {objective}、{batch} ペアずつ LoRA で "
                              "{steps} ステップ、β = {beta:g}、{seconds:.0f} 秒。3-gram 反復率 {before:.2f} → {after:.2f}。"
                              "**学習** を押すとこのサーバーでその場で学習します（その方策が投票のペアに答えます）。",
        "dpo_recorded_fig_title": "DPO 学習（記録済みの実行、{date}）",
        "dpo_plot_train": "DPO 学習: ステップごとの損失・報酬・報酬正解率",
        "dpo_plot_explainer": "β ごとの、マージンに対する DPO 損失と勾配の重み",
        "dpo_status_continued": "学習 {run}（学習 {continued_from} の続き、通算 {total_steps} ステップ）。",
        "dpo_continue": "学習した方策から続ける",
        "dpo_continue_info": "オン: 現在の学習済み方策の重みから学習を始めます（投票 → 学習 → 投票 → 学習 の次の回）。"
                             "参照モデルは学習前のモデルのままです。オフ、または学習済みの方策がないとき: 参照モデルから"
                             "始めます。",
        "dpo_status_reset": "学習した方策を破棄し、参照モデルに戻しました。",
        "dpo_status_nothing": "戻すべき学習済みの方策はありません。",
        "dpo_err_config": "学習の設定 {field} は {low} から {high} の整数にしてください（入力値: {value}）。",
        "dpo_err_learning_rate": "学習率は 0 より大きく 0.01 以下にしてください（入力値: {value}）。LoRA なら 2e-4 が目安です。",
        "dpo_err_beta": "β は 0 より大きく 5 以下にしてください（入力値: {value}）。通常は 0.1 です。",
        "dpo_err_no_pairs": "学習する選好ペアがありません。いくつか投票するか、デモセットを使ってください。",
        "dpo_err_busy": "このサーバーでは学習が実行中です。終わるまでお待ちください。",
        "dpo_err_reset_busy": "学習が実行中です。終わってから方策を戻してください。",
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
    },
}

BUILT_KEYS = {  # keys built with f-strings, and the values they take (checked by tests/test_ui_text.py)
    "dpo_pairs_{}": lambda: POLICIES,
    "dpo_push_{}": lambda: PUSH_REFUSALS,
    "dpo_col_{}": lambda: COMPARE_COLUMNS,
}
