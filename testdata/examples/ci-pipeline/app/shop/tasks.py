from celery import shared_task


@shared_task
def render_invoice_pdf(order_id):
    """Renders an invoice with headless Chromium (web and test images need it)."""
    return f"invoice-{order_id}.pdf"
