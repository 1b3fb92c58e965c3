"""Labelling: class labels and masks, pre-labelling, label exports, class names."""
