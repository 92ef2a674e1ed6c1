"""Chat channels over the shared answer service: Telegram (telegram.py) and Zalo OA (zalo.py), with
their formatting (format.py), per-chat limits (limits.py) and webhook routes in the API (webhooks.py)."""
