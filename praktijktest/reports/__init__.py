"""Reports: PDFs rendered from HTML templates (templates/reports/) through `pdf.render_pdf`."""
