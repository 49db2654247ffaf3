#!/usr/bin/env bash
# System packages the portal needs beyond Python: a CJK font for Chinese in PDFs, gettext for the
# translations, Chromium for the browser tests. Installs what is missing when it can (root + apt-get),
# otherwise says in one line what to install. Never fails the set-up for a missing optional piece.
set -u
need=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK\|Noto Serif CJK" || need+=(fonts-noto-cjk)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/portal-apt.log 2>&1; then
    echo "could not install ${need[*]} (see /tmp/portal-apt.log); Chinese PDFs or browser tests may not work until they are installed"
  fi
else
  echo "missing system packages: ${need[*]} — install them with: sudo apt-get install ${need[*]}"
fi
exit 0
