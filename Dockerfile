FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY graph graph
COPY db db
COPY domain domain
RUN pip install --no-cache-dir .
ENV EDM_HOST=0.0.0.0
EXPOSE 8000
CMD ["edm-graph", "serve"]
