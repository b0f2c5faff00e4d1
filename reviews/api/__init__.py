"""The REST API (DRF viewsets with @action): parse input, call a selector or service, format output."""
