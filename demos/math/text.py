"""English and Japanese text of the Math tab (labels, explanations, and templates for computed numbers).

Kept apart from `demos/math/tab.py` because the explanations are long; templates are filled with
numbers the engine computed (`{...}`), LaTeX braces are doubled for `str.format`. `curves_fig_*` are
the figures' labels (passed to `playground/math/figures.py` with the prefix stripped), `curves_err_*`
the engine's `InputError` messages.
"""
from __future__ import annotations

from demos.common import Table

TEXT: Table = {
    "en": {
        "math_tab": "Math",
        "curves_intro": "From the exponential function to cross-entropy, one step at a time. Every curve and "
                        "number below is computed live from the sliders and tables.",
        "curves_section_exp": "1. Exponential",
        "curves_section_log": "2. Logarithm",
        "curves_section_likelihood": "3. Likelihood",
        "curves_section_ce": "4. Cross-entropy",
        "curves_section_batch": "5. Batch",
        "curves_section_binary": "6. Binary",
        "curves_section_matrix": "7. Matrix form",
        "curves_section_llm": "8. Language model",
        "curves_exp_md": "### 1. The exponential function\n"
                         "$y = a^x$ grows in proportion to itself: $\\frac{d}{dx}a^x = a^x \\ln a$. "
                         "The ratio slope / height is the same number $\\ln a$ at every $x$. "
                         "The base where that ratio is exactly 1 is $e = \\lim_{n\\to\\infty}(1 + 1/n)^n$, "
                         "so $\\frac{d}{dx}e^x = e^x$: set the base to 2.718 and the derivative lies on the curve.",
        "curves_base": "base a",
        "curves_x0": "point x₀ (tangent)",
        "curves_n_max": "largest n in (1 + 1/n)ⁿ",
        "curves_exp_numbers": "At $x_0 = {x0:.4g}$: $a^{{x_0}} = {y0:.6g}$, slope $a^{{x_0}}\\ln a = {slope:.6g}$, "
                               "slope / height $= \\ln a = {ln_a:.6g}$.",
        "curves_limit_numbers": "$(1 + 1/n)^n = {limit:.8f}$ at $n = {n}$; $e - (1+1/n)^n = {gap}$ "
                                "($e = {e:.10f}$).",
        "curves_log_md": "### 2. The logarithm and its derivative\n"
                         "$\\log_a x$ undoes $a^x$. Its slope is $\\frac{d}{dx}\\log_a x = \\frac{1}{x \\ln a}$ "
                         "($1/x$ for the natural log). A computer can only take finite steps: the forward "
                         "difference $\\frac{\\log(x+h) - \\log x}{h}$ has error $\\approx h/(2x^2)$, but below "
                         "$h \\approx 10^{-8}$ float64 round-off ($\\approx 10^{-16}/h$) takes over. "
                         "The rules $\\log pq = \\log p + \\log q$, $\\log p/q = \\log p - \\log q$, "
                         "$\\log p^r = r\\log p$ are checked numerically below.",
        "curves_log_base": "base a of the logarithm",
        "curves_log_x0": "point x₀ (tangent, finite differences)",
        "curves_p": "p (rules)",
        "curves_q": "q (rules)",
        "curves_power": "power r (rules)",
        "curves_log_numbers": "At $x_0 = {x0:.4g}$: $\\log_a x_0 = {y0:.6g}$, slope $1/(x_0 \\ln a) = {slope:.6g}$. "
                              "Finite difference: smallest error ${best_error}$ at $h = {best_h}$.\n\n"
                              "| rule | left | right | difference |\n|---|---|---|---|\n{rules}",
        "curves_rule_product": "product log(pq) = log p + log q",
        "curves_rule_quotient": "quotient log(p/q) = log p - log q",
        "curves_rule_power": "power log(pʳ) = r log p",
        "curves_rule_change_of_base": "change of base logₐ p = log₁₀ p / log₁₀ a",
        "curves_likelihood_md": "### 3. From likelihood to cross-entropy\n"
                                "A die is thrown; face $k$ came up $n_k$ times. If the model predicts face "
                                "probabilities $p_k$, the likelihood of these throws is $L = \\prod_k p_k^{n_k}$. "
                                "Products of many small numbers underflow, so we take the log: "
                                "$\\log L = \\sum_k n_k \\log p_k$, and minimise the negative log-likelihood "
                                "$-\\log L$. It is smallest when $p_k = n_k / N$. Edit the counts and the weights "
                                "(weights are divided by their sum to give $p$).",
        "curves_dice_table": "dice: face, count n, weight of the prediction",
        "curves_face": "face whose probability the right plot sweeps",
        "curves_likelihood_numbers": "$N = {throws:g}$ throws. $L = {likelihood}$, $\\log L = {log_l:.6f}$, "
                                     "$-\\log L = {nll:.6f}$. At the observed frequencies $p_k = n_k/N$: "
                                     "$-\\log L = {nll_best:.6f}$ (never larger). {clipped}",
        "curves_ce_md": "### 4. Cross-entropy of one sample\n"
                        "A classifier outputs logits $z$; softmax turns them into probabilities "
                        "$y_k = e^{z_k} / \\sum_j e^{z_j}$. With a one-hot target $t$ (1 at the correct class), "
                        "the cross-entropy is $E = -\\sum_k t_k \\log y_k = -\\log y_{\\text{target}}$: "
                        "the dice NLL with one throw. It is 0 only when $y_{\\text{target}} = 1$ and "
                        "grows without bound as $y_{\\text{target}} \\to 0$.",
        "curves_z0": "logit z₀",
        "curves_z1": "logit z₁",
        "curves_z2": "logit z₂",
        "curves_target": "target class",
        "curves_ce_numbers": "$y = ({probs})$, $\\sum_k y_k = {total:.6f}$. "
                             "$E = -\\log y_{{{target}}} = {loss:.6f}$.",
        "curves_batch_md": "### 5. A batch of N samples\n"
                           "Average the per-sample losses: $E = -\\frac{1}{N}\\sum_{i=1}^{N}\\sum_k t_{ik}\\log y_{ik}$. "
                           "Each row: the target label, then the predicted probabilities (must sum to 1). "
                           "Add or delete rows (N = 1 works). If a target's $y$ is 0, $\\log 0 = -\\infty$; "
                           "like most code we clip $y$ to $\\varepsilon = 10^{-12}$ first, so that sample costs "
                           "$-\\log 10^{-12} \\approx 27.6$. PyTorch checks our sum on its own: it gets the unclipped "
                           "$\\log Y$, so the two agree unless a target's $y$ is below $\\varepsilon$; there torch "
                           "gives $-\\log y$ ($\\infty$ for $y = 0$) and we give $-\\log\\varepsilon$.",
        "curves_batch_table": "batch: target label, y₀, y₁, y₂",
        "curves_batch_numbers": "Per-sample losses: {losses}. Sum $= {total:.6f}$, mean $E = {mean:.8f}$.\n\n"
                                "| | mean cross-entropy |\n|---|---|\n| ours (double sum) | {mean:.10f} |\n"
                                "| `F.cross_entropy(torch.log(Y), labels)` | {torch_ce:.10f} |\n"
                                "| `F.nll_loss(torch.log(Y), labels)` | {torch_nll:.10f} |\n\n{clipped}",
        "curves_clipped": "⚠ {count} predicted probability(ies) were below ε = 1e-12 (0 included) and were "
                          "clipped to ε before taking the log (log 0 = -∞).",
        "curves_clipped_torch": " {count} of them belong to a sample's target, so torch's rows (unclipped "
                                "log Y) differ from ours there: torch gives -log y (∞ for y = 0), we give "
                                "-log ε ≈ 27.6.",
        "curves_binary_md": "### 6. Binary cross-entropy\n"
                            "With two classes one probability is enough: $y = \\sigma(z) = 1/(1 + e^{-z})$ and "
                            "$E = -t\\log y - (1-t)\\log(1-y)$. For $t = 1$ it is $-\\log y$, for $t = 0$ it is "
                            "$-\\log(1-y)$. The sigmoid is the 2-class softmax with logits $(0, z)$, so both "
                            "forms give the same loss (right plot: the curves coincide).",
        "curves_z": "logit z",
        "curves_t": "target t (0 or 1; values between are soft labels)",
        "curves_binary_numbers": "$y = \\sigma({z:.3g}) = {y:.6f}$, $E = {loss:.6f}$. Largest difference between "
                                 "the sigmoid and the 2-class softmax forms over $z \\in [-8, 8]$: ${diff}$.",
        "curves_matrix_md": "### 7. Vector and matrix form, and the gradient\n"
                            "Stack the targets as a matrix $T$ and the predictions as $Y$ ($N \\times K$, the table "
                            "of section 5). Then $E = -\\frac{1}{N}\\mathbf{1}^\\top (T \\odot \\log Y)\\mathbf{1} "
                            "= -\\frac{1}{N}\\operatorname{tr}(T^\\top \\log Y)$. With $Y = \\mathrm{softmax}(Z)$, the "
                            "gradient is simply $\\frac{\\partial E}{\\partial Z} = \\frac{1}{N}(Y - T)$: "
                            "compared below with central finite differences.",
        "curves_matrix_numbers": "Matrix form $E = {matrix:.10f}$; double sum of section 5 $= {batch:.10f}$; "
                                 "difference ${diff}$. Gradient: largest |analytic - numerical| $= {grad_diff}$ "
                                 "(step $h = {step}$).",
        "curves_llm_md": "### 8. Cross-entropy of a real language model\n"
                         "The chat model predicts every next token with a softmax over its whole vocabulary "
                         "(about 49,000 classes). Its training loss is the cross-entropy of section 5 with one "
                         "sample per position: $E = -\\frac{1}{T-1}\\sum_{t=1}^{T-1}\\log p(x_{t+1} \\mid x_{\\le t})$. "
                         "Tall bars are the tokens that surprised the model. Perplexity is $e^{E}$.",
        "curves_sentence": "sentence to score",
        "curves_llm_button": "Score with the model",
        "curves_llm_numbers": "{count} tokens scored (the first has nothing before it). Cross-entropy "
                              "$E = {mean:.6f}$ nats; transformers' own `loss` $= {model_loss:.6f}$; "
                              "perplexity $e^E = {perplexity:.3f}$. Model: `{model}`.",
        # bad input (InputError keys raised in playground/math/, said by @user_errors(table=TEXT))
        "curves_err_base_one": "{field} = {value:g} has ln a = 0: 1^x is flat and log_1 x is undefined; pick a != 1.",
        "curves_err_probability": "{field}: probabilities {symbol}, row {row}, {column} is {value:.6g}; every "
                                  "probability must be a number in [0, 1].",
        "curves_err_row_sum": "{field}: probabilities {symbol}, row {row} sums to {value:.6g}, not 1. Edit it so the "
                              "probabilities add up to 1.",
        "curves_err_weights": "{field}: the weights w must be >= 0 with a positive sum (got {value}).",
        "curves_err_counts": "{field}: the counts n must be 6 whole numbers in [0, {high}] with at least one throw "
                             "(got {value}).",
        "curves_err_logits": "The logits must be 2..{high} numbers in [-100, 100] (got {value}).",
        "curves_err_label": "{field}: row {row} has the target label t = {value:.6g}; labels must be whole numbers "
                            "0..{high} (one per class column).",
        "curves_err_batch_size": "{field} must have 1..{max_rows} rows and 2..{max_classes} classes (got {value}).",
        "curves_err_table_empty": "{field}: the table is empty. Add rows with the columns {columns}.",
        "curves_err_row_cells": "{field}: row {row} has {value} cells; every row needs {needed}: {columns}.",
        "curves_err_cell_text": "{field}: row {row}, column {column} is {value}, not a number. Type a number there.",
        "curves_err_cell_empty": "{field}: row {row}, column {column} is empty. Fill in a number or delete the row.",
        "curves_err_cell_infinite": "{field}: row {row}, column {column} is {value}; only finite numbers are allowed.",
        "curves_err_dice_rows": "{field}: the table needs exactly 6 rows (faces 1-6); it has {value}.",
        "curves_err_batch_width": "{field}: row 1 has {value} cells; a row is the target label t, then "
                                  "2..{high} probabilities y0, y1, ...",
        "curves_err_single_token": "{field} is a single token: add a word so there is a next token to predict.",
        # what each plot shows (its label on the page)
        "curves_plot_exp": "a^x, its derivative, e^x and the tangent at x0",
        "curves_plot_limit": "(1 + 1/n)^n approaching e as n grows",
        "curves_plot_log": "log_a x, its derivative 1 / (x ln a) and the tangent at x0",
        "curves_plot_fd": "Error of the finite-difference slope against the step h",
        "curves_plot_dice": "Predicted vs observed face probabilities, and the NLL as one probability varies",
        "curves_plot_ce": "Softmax of the logits, and -log y of the target class",
        "curves_plot_batch": "Cross-entropy of each sample of the batch, and their mean",
        "curves_plot_binary": "Binary cross-entropy over y, and over the logit z in two forms",
        "curves_plot_matrix": "T, log Y and T ⊙ log Y as matrices",
        "curves_plot_grad": "Gradient dE/dz: analytic vs numerical",
        "curves_plot_llm": "-log p of each next token of the sentence under the language model",
        # figures (playground/math/figures.py takes these as `labels`, prefix stripped)
        "curves_fig_x": "x", "curves_fig_y": "y", "curves_fig_n": "n (log scale)",
        "curves_fig_h": "step h (log scale)", "curves_fig_error": "|error| (log scale)",
        "curves_fig_exp": "a^x (a = {a:g})", "curves_fig_exp_d": "derivative a^x ln a", "curves_fig_e_x": "e^x",
        "curves_fig_tangent": "tangent at x = {x:g}", "curves_fig_point": "point", "curves_fig_limit": "(1 + 1/n)^n",
        "curves_fig_e": "e = {e:.6f}", "curves_fig_limit_title": "(1 + 1/n)^n approaches e",
        "curves_fig_log": "log_a x (a = {a:g})", "curves_fig_log_d": "derivative 1 / (x ln a)",
        "curves_fig_forward": "forward (log(x+h) - log x) / h",
        "curves_fig_central": "central (log(x+h) - log(x-h)) / 2h",
        "curves_fig_fd_title": "Error of the finite-difference slope of ln at x = {x:g}",
        "curves_fig_best": "best h = {h:.1e}", "curves_fig_face": "face", "curves_fig_probability": "probability",
        "curves_fig_predicted": "predicted p", "curves_fig_observed": "observed n / N",
        "curves_fig_p_face": "p(face {f})", "curves_fig_nll": "negative log-likelihood",
        "curves_fig_nll_curve": "NLL as p(face {f}) varies", "curves_fig_current": "current",
        "curves_fig_mle": "minimum at n / N = {p:.3f}", "curves_fig_class": "class",
        "curves_fig_softmax": "softmax y", "curves_fig_target": "target class", "curves_fig_neg_log": "-log y",
        "curves_fig_y_target": "y of the target class", "curves_fig_loss": "loss", "curves_fig_sample": "sample",
        "curves_fig_per_sample": "loss of each sample", "curves_fig_mean": "mean = {m:.4f}",
        "curves_fig_y_pred": "prediction y", "curves_fig_t1": "t = 1: -log y", "curves_fig_t0": "t = 0: -log(1 - y)",
        "curves_fig_z": "logit z", "curves_fig_bce_sigmoid": "sigmoid form (t = {t:g})",
        "curves_fig_bce_softmax": "2-class softmax form", "curves_fig_entry": "entry (sample, class)",
        "curves_fig_gradient": "dE/dz", "curves_fig_analytic": "analytic (y - t) / N",
        "curves_fig_numerical": "numerical (central difference)", "curves_fig_T": "T (targets)",
        "curves_fig_logY": "log Y", "curves_fig_TlogY": "T ⊙ log Y",
        "curves_fig_token": "next token (position: text)", "curves_fig_surprise": "-log p (nats)",
        "curves_fig_per_token": "-log p of each token", "curves_fig_mean_ce": "mean = cross-entropy = {m:.3f}",
    },
    "ja": {
        "math_tab": "数学",
        "curves_intro": "指数関数から交差エントロピーまで、一歩ずつ。下の曲線と数値はすべて、"
                        "スライダーと表からその場で計算しています。",
        "curves_section_exp": "1. 指数関数",
        "curves_section_log": "2. 対数",
        "curves_section_likelihood": "3. 尤度",
        "curves_section_ce": "4. 交差エントロピー",
        "curves_section_batch": "5. バッチ",
        "curves_section_binary": "6. 2 値",
        "curves_section_matrix": "7. 行列",
        "curves_section_llm": "8. 言語モデル",
        "curves_exp_md": "### 1. 指数関数\n"
                         "$y = a^x$ は自分自身に比例して増えます: $\\frac{d}{dx}a^x = a^x \\ln a$。"
                         "傾き / 高さ はどの $x$ でも同じ値 $\\ln a$ です。この比がちょうど 1 になる底が "
                         "$e = \\lim_{n\\to\\infty}(1 + 1/n)^n$ で、$\\frac{d}{dx}e^x = e^x$ となります。"
                         "底を 2.718 にすると導関数が曲線に重なります。",
        "curves_base": "底 a",
        "curves_x0": "点 x₀（接線）",
        "curves_n_max": "(1 + 1/n)ⁿ の最大の n",
        "curves_exp_numbers": "$x_0 = {x0:.4g}$ で $a^{{x_0}} = {y0:.6g}$、傾き $a^{{x_0}}\\ln a = {slope:.6g}$、"
                              "傾き / 高さ $= \\ln a = {ln_a:.6g}$。",
        "curves_limit_numbers": "$n = {n}$ で $(1 + 1/n)^n = {limit:.8f}$、$e - (1+1/n)^n = {gap}$"
                                "（$e = {e:.10f}$）。",
        "curves_log_md": "### 2. 対数関数とその導関数\n"
                         "$\\log_a x$ は $a^x$ の逆関数です。傾きは $\\frac{d}{dx}\\log_a x = \\frac{1}{x \\ln a}$ "
                         "（自然対数なら $1/x$）。計算機は有限の刻みしか使えません: 前進差分 "
                         "$\\frac{\\log(x+h) - \\log x}{h}$ の誤差は $\\approx h/(2x^2)$ ですが、"
                         "$h \\approx 10^{-8}$ より小さいと float64 の丸め誤差（$\\approx 10^{-16}/h$）が勝ちます。"
                         "法則 $\\log pq = \\log p + \\log q$、$\\log p/q = \\log p - \\log q$、"
                         "$\\log p^r = r\\log p$ を下で数値的に確かめます。",
        "curves_log_base": "対数の底 a",
        "curves_log_x0": "点 x₀（接線・差分）",
        "curves_p": "p（法則）",
        "curves_q": "q（法則）",
        "curves_power": "指数 r（法則）",
        "curves_log_numbers": "$x_0 = {x0:.4g}$ で $\\log_a x_0 = {y0:.6g}$、傾き $1/(x_0 \\ln a) = {slope:.6g}$。"
                              "差分の誤差が最小になるのは $h = {best_h}$ で ${best_error}$。\n\n"
                              "| 法則 | 左辺 | 右辺 | 差 |\n|---|---|---|---|\n{rules}",
        "curves_rule_product": "積 log(pq) = log p + log q",
        "curves_rule_quotient": "商 log(p/q) = log p - log q",
        "curves_rule_power": "べき log(pʳ) = r log p",
        "curves_rule_change_of_base": "底の変換 logₐ p = log₁₀ p / log₁₀ a",
        "curves_likelihood_md": "### 3. 尤度から交差エントロピーへ\n"
                                "サイコロを投げ、目 $k$ が $n_k$ 回出ました。モデルが各目の確率 $p_k$ を予測するとき、"
                                "この結果の尤度は $L = \\prod_k p_k^{n_k}$ です。小さな数の積はアンダーフローするので"
                                "対数を取り $\\log L = \\sum_k n_k \\log p_k$、負の対数尤度 $-\\log L$ を最小化します。"
                                "最小になるのは $p_k = n_k / N$ のときです。回数と重みを編集してください"
                                "（重みを合計で割ったものが $p$ です）。",
        "curves_dice_table": "サイコロ: 出目、回数 n、予測の重み",
        "curves_face": "右の図で確率を動かす出目",
        "curves_likelihood_numbers": "投げた回数 $N = {throws:g}$。$L = {likelihood}$、$\\log L = {log_l:.6f}$、"
                                     "$-\\log L = {nll:.6f}$。観測頻度 $p_k = n_k/N$ では "
                                     "$-\\log L = {nll_best:.6f}$（これより大きくなることはない）。{clipped}",
        "curves_ce_md": "### 4. 1 サンプルの交差エントロピー\n"
                        "分類器はロジット $z$ を出力し、ソフトマックスが確率 "
                        "$y_k = e^{z_k} / \\sum_j e^{z_j}$ に変えます。正解クラスだけ 1 の one-hot な正解 $t$ に対し、"
                        "交差エントロピーは $E = -\\sum_k t_k \\log y_k = -\\log y_{\\text{正解}}$。"
                        "1 回だけ投げたサイコロの NLL と同じです。$y_{\\text{正解}} = 1$ のときだけ 0 で、"
                        "$y_{\\text{正解}} \\to 0$ で限りなく大きくなります。",
        "curves_z0": "ロジット z₀",
        "curves_z1": "ロジット z₁",
        "curves_z2": "ロジット z₂",
        "curves_target": "正解クラス",
        "curves_ce_numbers": "$y = ({probs})$、$\\sum_k y_k = {total:.6f}$。"
                             "$E = -\\log y_{{{target}}} = {loss:.6f}$。",
        "curves_batch_md": "### 5. N 個のサンプル（バッチ）\n"
                           "サンプルごとの損失を平均します: "
                           "$E = -\\frac{1}{N}\\sum_{i=1}^{N}\\sum_k t_{ik}\\log y_{ik}$。"
                           "各行は正解ラベルと予測確率（合計 1）。行の追加・削除もできます（N = 1 も可）。"
                           "正解の $y$ が 0 だと $\\log 0 = -\\infty$ なので、多くの実装と同様に "
                           "$\\varepsilon = 10^{-12}$ でクリップします。そのサンプルの損失は "
                           "$-\\log 10^{-12} \\approx 27.6$ です。PyTorch はクリップしていない $\\log Y$ から"
                           "独立に計算するので、正解の $y$ が $\\varepsilon$ 未満のときだけ結果が異なります"
                           "（torch は $-\\log y$、$y = 0$ なら $\\infty$。本ページは $-\\log\\varepsilon$）。",
        "curves_batch_table": "バッチ: 正解ラベル、y₀、y₁、y₂",
        "curves_batch_numbers": "サンプルごとの損失: {losses}。合計 $= {total:.6f}$、平均 $E = {mean:.8f}$。\n\n"
                                "| | 平均交差エントロピー |\n|---|---|\n| 本ページ（二重和） | {mean:.10f} |\n"
                                "| `F.cross_entropy(torch.log(Y), labels)` | {torch_ce:.10f} |\n"
                                "| `F.nll_loss(torch.log(Y), labels)` | {torch_nll:.10f} |\n\n{clipped}",
        "curves_clipped": "⚠ 予測確率のうち {count} 個が ε = 1e-12 未満（0 を含む）だったので、対数を取る前に "
                          "ε にクリップしました（log 0 = -∞）。",
        "curves_clipped_torch": "そのうち {count} 個は正解クラスの確率なので、クリップしていない log Y を使う "
                                "torch の行はそこで本ページと異なります（torch は -log y、y = 0 なら ∞。"
                                "本ページは -log ε ≈ 27.6）。",
        "curves_binary_md": "### 6. 2 値交差エントロピー\n"
                            "2 クラスなら確率は 1 つで足ります: $y = \\sigma(z) = 1/(1 + e^{-z})$、"
                            "$E = -t\\log y - (1-t)\\log(1-y)$。$t = 1$ なら $-\\log y$、$t = 0$ なら "
                            "$-\\log(1-y)$ です。シグモイドはロジット $(0, z)$ の 2 クラスソフトマックスなので、"
                            "2 つの形は同じ損失を与えます（右の図で曲線が重なります）。",
        "curves_z": "ロジット z",
        "curves_t": "正解 t（0 か 1、その間はソフトラベル）",
        "curves_binary_numbers": "$y = \\sigma({z:.3g}) = {y:.6f}$、$E = {loss:.6f}$。$z \\in [-8, 8]$ での"
                                 "シグモイド形と 2 クラスソフトマックス形の差の最大値: ${diff}$。",
        "curves_matrix_md": "### 7. ベクトル・行列での表し方と勾配\n"
                            "正解を行列 $T$、予測を $Y$（$N \\times K$、5 の表）にまとめると "
                            "$E = -\\frac{1}{N}\\mathbf{1}^\\top (T \\odot \\log Y)\\mathbf{1} "
                            "= -\\frac{1}{N}\\operatorname{tr}(T^\\top \\log Y)$。$Y = \\mathrm{softmax}(Z)$ のとき"
                            "勾配は $\\frac{\\partial E}{\\partial Z} = \\frac{1}{N}(Y - T)$ だけです。"
                            "下で中心差分による数値微分と比べます。",
        "curves_matrix_numbers": "行列形 $E = {matrix:.10f}$、5 の二重和 $= {batch:.10f}$、"
                                 "差 ${diff}$。勾配: |解析解 - 数値微分| の最大値 $= {grad_diff}$"
                                 "（刻み $h = {step}$）。",
        "curves_llm_md": "### 8. 実際の言語モデルの交差エントロピー\n"
                         "チャットモデルは次のトークンを語彙全体（約 49,000 クラス）のソフトマックスで予測します。"
                         "その学習の損失は、位置ごとに 1 サンプルとした 5 の交差エントロピー "
                         "$E = -\\frac{1}{T-1}\\sum_{t=1}^{T-1}\\log p(x_{t+1} \\mid x_{\\le t})$ です。"
                         "高い棒はモデルが驚いたトークンです。パープレキシティは $e^{E}$ です。",
        "curves_sentence": "評価する文",
        "curves_llm_button": "モデルで評価",
        "curves_llm_numbers": "{count} 個のトークンを評価しました（最初のトークンは前に何もないので除外）。"
                              "交差エントロピー $E = {mean:.6f}$ ナット、transformers 自身の `loss` $= {model_loss:.6f}$、"
                              "パープレキシティ $e^E = {perplexity:.3f}$。モデル: `{model}`。",
        # bad input
        "curves_err_base_one": "{field} = {value:g} では ln a = 0 です。1^x は平らで log_1 x は定義されません。"
                               "1 以外の a を選んでください。",
        "curves_err_probability": "{field}: 確率 {symbol} の {row} 行目の {column} が {value:.6g} です。確率は [0, 1] "
                                  "の数でなければなりません。",
        "curves_err_row_sum": "{field}: 確率 {symbol} の {row} 行目の合計が {value:.6g} で、1 ではありません。合計が 1 "
                              "になるように直してください。",
        "curves_err_weights": "{field}: 重み w は 0 以上で、合計が正でなければなりません（入力値: {value}）。",
        "curves_err_counts": "{field}: 回数 n は [0, {high}] の整数 6 個で、少なくとも 1 回は投げた数にしてください"
                             "（入力値: {value}）。",
        "curves_err_logits": "ロジットは [-100, 100] の数を 2〜{high} 個にしてください（入力値: {value}）。",
        "curves_err_label": "{field}: {row} 行目の正解ラベル t = {value:.6g} です。ラベルは 0〜{high} の整数"
                            "（クラスの列ごとに 1 つ）でなければなりません。",
        "curves_err_batch_size": "{field} は 1〜{max_rows} 行、2〜{max_classes} クラスにしてください（入力: {value}）。",
        "curves_err_table_empty": "{field}: 表が空です。列 {columns} の行を追加してください。",
        "curves_err_row_cells": "{field}: {row} 行目にはセルが {value} 個あります。各行に {needed} 個"
                                "（{columns}）必要です。",
        "curves_err_cell_text": "{field}: {row} 行目、列 {column} が {value} で、数値ではありません。"
                                "数値を入力してください。",
        "curves_err_cell_empty": "{field}: {row} 行目、列 {column} が空です。数値を入れるか、その行を削除して"
                                 "ください。",
        "curves_err_cell_infinite": "{field}: {row} 行目、列 {column} が {value} です。有限の数だけが使えます。",
        "curves_err_dice_rows": "{field}: 表はちょうど 6 行（出目 1〜6）必要ですが、{value} 行あります。",
        "curves_err_batch_width": "{field}: 1 行目にはセルが {value} 個あります。各行は正解ラベル t と、"
                                  "2〜{high} 個の確率 y0, y1, ... です。",
        "curves_err_single_token": "{field} が 1 トークンしかありません。予測する次のトークンがあるよう、単語を"
                                   "足してください。",
        # figures
        "curves_plot_exp": "a^x とその導関数、e^x、x0 での接線",
        "curves_plot_limit": "n を大きくすると e に近づく (1 + 1/n)^n",
        "curves_plot_log": "log_a x とその導関数 1 / (x ln a)、x0 での接線",
        "curves_plot_fd": "刻み h に対する差分による傾きの誤差",
        "curves_plot_dice": "出目の予測確率と観測頻度、1 つの確率を動かしたときの NLL",
        "curves_plot_ce": "ロジットのソフトマックスと正解クラスの -log y",
        "curves_plot_batch": "バッチの各サンプルの交差エントロピーとその平均",
        "curves_plot_binary": "y に対する 2 値交差エントロピーと、ロジット z に対する 2 つの形",
        "curves_plot_matrix": "行列としての T、log Y、T ⊙ log Y",
        "curves_plot_grad": "勾配 dE/dz: 解析解と数値微分",
        "curves_plot_llm": "言語モデルによる文の各次トークンの -log p",
        "curves_fig_x": "x", "curves_fig_y": "y", "curves_fig_n": "n（対数目盛）", "curves_fig_h": "刻み h（対数目盛）",
        "curves_fig_error": "|誤差|（対数目盛）", "curves_fig_exp": "a^x（a = {a:g}）", "curves_fig_exp_d": "導関数 a^x ln a",
        "curves_fig_e_x": "e^x", "curves_fig_tangent": "x = {x:g} での接線", "curves_fig_point": "点",
        "curves_fig_limit": "(1 + 1/n)^n", "curves_fig_e": "e = {e:.6f}",
        "curves_fig_limit_title": "(1 + 1/n)^n は e に近づく", "curves_fig_log": "log_a x（a = {a:g}）",
        "curves_fig_log_d": "導関数 1 / (x ln a)", "curves_fig_forward": "前進差分 (log(x+h) - log x) / h",
        "curves_fig_central": "中心差分 (log(x+h) - log(x-h)) / 2h",
        "curves_fig_fd_title": "x = {x:g} における ln の差分による傾きの誤差", "curves_fig_best": "最良の h = {h:.1e}",
        "curves_fig_face": "出目", "curves_fig_probability": "確率", "curves_fig_predicted": "予測確率 p",
        "curves_fig_observed": "観測頻度 n / N", "curves_fig_p_face": "p(出目 {f})", "curves_fig_nll": "負の対数尤度",
        "curves_fig_nll_curve": "p(出目 {f}) を動かしたときの NLL", "curves_fig_current": "現在値",
        "curves_fig_mle": "最小は n / N = {p:.3f}", "curves_fig_class": "クラス", "curves_fig_softmax": "ソフトマックス y",
        "curves_fig_target": "正解クラス", "curves_fig_neg_log": "-log y", "curves_fig_y_target": "正解クラスの y",
        "curves_fig_loss": "損失", "curves_fig_sample": "サンプル", "curves_fig_per_sample": "サンプルごとの損失",
        "curves_fig_mean": "平均 = {m:.4f}", "curves_fig_y_pred": "予測 y", "curves_fig_t1": "t = 1: -log y",
        "curves_fig_t0": "t = 0: -log(1 - y)", "curves_fig_z": "ロジット z",
        "curves_fig_bce_sigmoid": "シグモイド形（t = {t:g}）", "curves_fig_bce_softmax": "2 クラスのソフトマックス形",
        "curves_fig_entry": "要素（サンプル, クラス）", "curves_fig_gradient": "dE/dz",
        "curves_fig_analytic": "解析解 (y - t) / N", "curves_fig_numerical": "数値微分（中心差分）", "curves_fig_T": "T（正解）",
        "curves_fig_logY": "log Y", "curves_fig_TlogY": "T ⊙ log Y", "curves_fig_token": "次のトークン（位置: 文字列）",
        "curves_fig_surprise": "-log p（ナット）", "curves_fig_per_token": "各トークンの -log p",
        "curves_fig_mean_ce": "平均 = 交差エントロピー = {m:.3f}",
    },
}
