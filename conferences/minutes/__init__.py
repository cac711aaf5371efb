"""Reading the minutes: text extraction (text layer, DOCX, OCR), parsing, comparison, signals."""
