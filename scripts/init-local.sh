#!/bin/sh
# Create the admin's own folder local/ from the bundled defaults (config/, feeds/).
#
# Everything an admin edits lives in local/, which git ignores: `git pull` never meets a
# local change, and an update can change the bundled defaults freely. syncsvc reads
# local/syncsvc.toml when it exists (unless --config or SYNCSVC_CONFIG says otherwise);
# docker-compose.yml mounts local/ and uses local/syncsvc.docker.toml.
#
# Existing files are never overwritten, so running it again after an update only adds
# what is new. Needs nothing but a POSIX shell (the Docker host has no Python).
set -eu
cd "$(dirname "$0")/.."
target="${1:-local}"

say() { printf '%s\n' "$*"; }

copy_config() {  # bundled config → the admin's copy, its paths pointing into local/
    src="config/$1" dst="$target/$1"
    if [ -e "$dst" ]; then
        say "bleibt unverändert: $dst"
        return
    fi
    # sources and the feeds folder move to local/feeds; output and database stay where
    # the bundled file puts them (../public, ../var or the Docker volume)
    awk '{ gsub(/"\.\.\/feeds\//, "\"feeds/"); print }
         $0 == "[service]" { print "feeds_dir = \"feeds\"              # eigene Dateien in local/feeds" }' \
        "$src" > "$dst.tmp"
    mv "$dst.tmp" "$dst"
    say "angelegt: $dst"
}

copy_file() {
    if [ -e "$2" ]; then
        say "bleibt unverändert: $2"
    else
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
        say "angelegt: $2"
    fi
}

mkdir -p "$target/feeds"
copy_config syncsvc.toml
copy_config syncsvc.docker.toml
for f in config/*; do  # the holiday file, the translation memory, whatever comes next
    case "$f" in config/syncsvc.toml|config/syncsvc.docker.toml) continue ;; esac
    copy_file "$f" "$target/${f#config/}"
done
find feeds -type f | sort | while read -r f; do
    copy_file "$f" "$target/$f"
done
say "Fertig. Ab jetzt nur Dateien in $target/ bearbeiten; prüfen mit: syncsvc check"
