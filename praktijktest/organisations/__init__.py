"""Organisations: municipalities and regional partnerships of municipalities."""
