"""Outbox: writes what would be sent to files, plus an HTML preview page per endpoint.

Used for the demo, for dry runs, and by centres that copy content by hand. Idempotent: writing
the same post twice gives the same files.
"""

from __future__ import annotations

from channels.base import Adapter, Delivery, EndpointConfig, Receipt, register


class OutboxConfig(EndpointConfig):
    model_config = EndpointConfig.model_config | {"extra": "allow"}


@register("outbox")
class OutboxAdapter(Adapter):
    Config = OutboxConfig

    def deliver(self, delivery: Delivery) -> Receipt:  # pragma: no cover - filled in below
        raise NotImplementedError
