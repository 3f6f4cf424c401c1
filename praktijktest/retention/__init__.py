"""Data protection: retention periods per organisation and the deletion run that applies them."""
