"""Helpers shared by the API tests."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient


def ready(client: TestClient) -> dict:
    """/api/health once the warm-up has run (503 ``starting`` before)."""
    for _ in range(2400):
        response = client.get("/api/health")
        if response.status_code == 200:
            return response.json()
        assert response.json()["status"] == "starting"
        time.sleep(0.05)
    raise AssertionError(f"still {response.json()['status']} after 2,400 polls")
