"""Jupyter widgets: the anywidget camera and the live-coach dashboard around it."""
