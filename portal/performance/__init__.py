"""Performance data from the trading platform: validation and set-based writes (`services`), reads (`selectors`).
The models are in `portal.models.performance`."""
