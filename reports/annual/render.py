"""The annual report's text as a Word document and as a PDF: one text, two renderings."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from qcdc import pdf
from reports.annual.compose import Document

FONT = "Times New Roman"  # what Vietnamese administrative documents use (Decree 30/2020)


def docx_bytes(doc: Document) -> bytes:
    """A DOCX federations edit before signing: header table, headings, paragraphs, tables."""
    from docx import Document as Word
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    word = Word()
    style = word.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    left, right = doc.header
    header = word.add_table(rows=len(left), cols=2)
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        for cell, text in ((header.cell(i, 0), a), (header.cell(i, 1), b)):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.bold = i < 2
    for kind, content in doc.blocks:
        if kind == "title":
            paragraph = word.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(content).bold = True
        elif kind == "heading":
            word.add_paragraph().add_run(content).bold = True
        elif kind == "paragraph":
            word.add_paragraph(content)
        else:
            table = word.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row in enumerate(content):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
                    if r == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def pdf_bytes(doc: Document) -> bytes:
    """The same text as an A4 PDF in DejaVu Sans (every Vietnamese glyph)."""
    return pdf.write_pdf(render_to_string("reports/annual/report_pdf.html", {"doc": doc}))
