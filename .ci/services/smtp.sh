#!/usr/bin/env bash
# The SMTP sink of the mail tests (shop-email's, shop-blackbox's smtp.rs;
# the harness is shop_testkit::smtp_sink): aiosmtpd from PyPI. Each test starts
# its own server on a free port, so nothing is left running here.
set -euo pipefail

if python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    exit 0
fi
python3 -m pip install --quiet aiosmtpd
python3 -c 'import aiosmtpd' || { echo "error: aiosmtpd installed but python3 cannot import it" >&2; exit 1; }
