#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fleet simulation (bench-fleet) with its plot: `make bench-fleet`. Writes the figures to stdout and, when
# gnuplot is installed, the plot to $FLEET_PLOT (default: fleet.png in the build directory).
set -e
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/..}
series=$(mktemp "${TMPDIR:-/tmp}/fleet.XXXXXX")
trap 'rm -f "$series"' EXIT
"$builddir/bench/bench-fleet" --series "$series" "$@"
plot=${FLEET_PLOT:-$builddir/fleet.png}
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot -e "series='$series'; output='$plot'" "$srcdir/bench/fleet-plot.gp"
  echo "plot: $plot"
else
  echo "plot: skipped (gnuplot is not installed; apt-get install gnuplot-nox)"
fi
