"""Data in and out: import finished rounds from the long format, export them, analyse them.

The long format (docs/data-format.md) has one row per sent application.
`validation` checks a whole file, `importer` writes it in bulk, `exporter`
writes a round back out, `adapter` is the one bridge to the statistics
package `analysis/`.
"""
