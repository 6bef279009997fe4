"""The bundled demo dataset (``demo.npz`` + ``demo.json``) and its codec.

Use :func:`adoptmetrics.datasets.load_demo`; nothing here is public.
"""
