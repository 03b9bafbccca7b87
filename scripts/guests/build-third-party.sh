#!/usr/bin/env bash
# Builds the third-party guests listed in guests/third-party.json into the guest cache dir
# ($MIGTRACE_GUESTS, default ~/.cache/migtrace/guests; outside the checkout): test386 (when
# its build script is present), xv6, Linux. Each script is a no-op when its inputs have
# not changed. `npm run guests:third-party` runs this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export MIGTRACE_GUESTS=${MIGTRACE_GUESTS:-$HOME/.cache/migtrace/guests}
echo "guest cache: $MIGTRACE_GUESTS"
if [ -f "$here/build-test386.sh" ]; then
  bash "$here/build-test386.sh"
fi
"$here/build-xv6.sh"
"$here/build-linux.sh"
