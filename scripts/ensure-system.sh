#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are missing.
# Runs apt-get only as root; otherwise prints what an administrator should install.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Thiếu gói hệ thống: ${missing[*]}" >&2
  echo "Hãy nhờ quản trị viên chạy: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "Cài gói hệ thống: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
