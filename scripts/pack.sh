#!/usr/bin/env bash
# Packs Hookline's NuGet packages (and, once it exists, the hookline tool) into one folder.
#
#   scripts/pack.sh [output-folder] [extra dotnet pack arguments…]   # default: artifacts/packages
#
# Hookline.Receiver.AspNetCore depends on Hookline.Core, and an app adds the store package of its
# inbox (Hookline.Storage.Sqlite or .Postgres) beside it, so all of them are packed; a folder holding
# them all can be used as a package source
# (`dotnet add package Hookline.Receiver.AspNetCore --source <folder>`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/packages}"
[ $# -gt 0 ] && shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"

projects=(
  src/Hookline.Signatures
  src/Hookline.Core
  src/Hookline.Storage.Sqlite
  src/Hookline.Storage.Postgres
  src/Hookline.Receiver.AspNetCore
)
[ -d "$root/src/Hookline.Cli" ] && projects+=(src/Hookline.Cli)

for project in "${projects[@]}"; do
  dotnet pack "$root/$project" -c Release -o "$out" -warnaserror --nologo -v quiet "$@"
done
echo "$out"
