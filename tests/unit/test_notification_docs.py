"""The notification documentation is a tested contract: every ``[notifications]`` setting is in
docs/configuration.md, and the verification recipe in docs/alerts.md accepts what Northstar signs."""

from __future__ import annotations

import re
import time
from pathlib import Path

from northstar.alerts.webhook import signature
from northstar.config import NotificationSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_notification_setting_is_in_the_configuration_reference() -> None:
    reference = (DOCS / "configuration.md").read_text()
    missing = [name for name in NotificationSettings.model_fields if f"`{name}`" not in reference]
    assert not missing, f"undocumented [notifications] settings in docs/configuration.md: {missing}"


def _recipe() -> str:
    text = (DOCS / "alerts.md").read_text()
    section = text[text.index("#### Verifying a webhook"):]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "no Python recipe under 'Verifying a webhook' in docs/alerts.md"
    return match.group(1)


def test_the_documented_verification_recipe_accepts_a_northstar_signature_and_nothing_else() -> None:
    namespace: dict[str, object] = {}
    exec(_recipe(), namespace)
    verify = namespace["verify"]
    body = b'{"event":"firing","metric_name":"k_factor","value_display":"0.82"}'
    now = int(time.time())
    header = signature("whsec_documented", now, body)

    assert verify("whsec_documented", body, str(now), header) is True
    assert verify("whsec_documented", body.replace(b"0.82", b"1.82"), str(now), header) is False
    assert verify("whsec_other", body, str(now), header) is False
    old = now - 3600
    assert verify("whsec_documented", body, str(old), signature("whsec_documented", old, body)) is False
