# The one image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (PDF reports) needs Pango and HarfBuzz; DejaVu has every Vietnamese glyph.
# The worker reads minutes with poppler (PDF text, page images) and Tesseract (Vietnamese OCR).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core gettext postgresql-client poppler-utils tesseract-ocr tesseract-ocr-vie \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN python manage.py compilemessages --ignore .venv -v0 \
 && useradd --system --uid 1000 --home /app qcdc \
 && mkdir -p /data/media /app/staticfiles \
 && chown -R qcdc /data/media /app/staticfiles

USER qcdc
EXPOSE 8000
CMD ["gunicorn", "qcdc.wsgi:application", "--bind", "0.0.0.0:8000"]
