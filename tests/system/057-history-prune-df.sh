# roost image history, images --digests, image prune, system df.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

test_history_table() {
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 image history localhost/multilayer
  local lines
  mapfile -t lines <<<"$stdout"
  assert_match "${lines[0]}" "^ID +CREATED +CREATED BY +SIZE +COMMENT$" "podman's columns"
  is "${#lines[@]}" 4 "a header and one line per step"
  assert_match "${lines[1]}" "^${MULTILAYER_ID:0:12} +[0-9]+ years ago +roost imagegen.py +[0-9.]+ kB$" "the top step has the image ID"
  assert_match "${lines[2]}" "^<missing> +.* +roost imagegen.py +[0-9.]+ kB$"
  assert_match "${lines[3]}" "^<missing> +.* +roost imagegen.py +2.14 MB$" "the base layer is the biggest"
  run_roost 0 history -q localhost/multilayer
  is "$(tr '\n' ' ' <<<"$stdout")" "${MULTILAYER_ID:0:12} <missing> <missing> "
  run_roost 0 history --no-trunc -q localhost/multilayer
  is "$(head -n 1 <<<"$stdout")" "$MULTILAYER_ID"
  run_roost 0 history --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' localhost/multilayer
  is "$(head -n 1 <<<"$stdout")" "${MULTILAYER_ID:0:12}|roost imagegen.py|"
  run_roost 0 history --format json localhost/multilayer
  is "$(jq -r '.[2].size' <<<"$stdout")" 2140160 "sizes in bytes in JSON"
  is "$(jq -r '.[0].id' <<<"$stdout")" "$MULTILAYER_ID"
}

test_history_of_an_import_shows_its_comment() {
  run_roost 0 import --message "from a tarball" "$FIXTURES/busybox-rootfs.tar" imported
  run_roost 0 history --no-trunc localhost/imported
  assert_match "$(tail -n 1 <<<"$stdout")" "roost import +[0-9.]+ MB +from a tarball$"
  run_roost 125 history no-such-image
  assert_contains "$output" "no-such-image"
}

test_images_digests() {
  run_roost 0 load -i "$FIXTURES/busybox-oci"
  run_roost 0 images --digests
  assert_match "$(head -n 1 <<<"$stdout")" "^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$"
  assert_contains "$(tail -n 1 <<<"$stdout")" "$BUSYBOX_MANIFEST_DIGEST  "
}

# image_ids: the IDs in the store, sorted, on one line.
image_ids() {
  roost images -q --no-trunc | sed 's/^sha256://' | sort | tr '\n' ' '
}

test_image_prune() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  # Two images without a name: one dangling, one a container uses.
  run_roost 0 import --message one "$FIXTURES/busybox-rootfs.tar"
  local dangling=$stdout
  run_roost 0 import --message two "$FIXTURES/busybox-rootfs.tar"
  local used=$stdout
  [[ $dangling != "$used" ]] || fail "the two imports should differ"
  run_roost 0 create --name c1 "$used" true
  run_roost 0 create --name c2 localhost/busybox true

  # Without -f it asks; anything but yes keeps everything.
  run_roost 0 image prune <<<"n"
  assert_contains "$stdout" "WARNING! This command removes all dangling images."
  is "$(image_ids)" "$(printf '%s\n' "$BUSYBOX_ID" "$MULTILAYER_ID" "$dangling" "$used" | sort | tr '\n' ' ')"

  run_roost 0 image prune -f
  is "$stdout" "$dangling" "only the dangling image, its ID printed"
  run_roost 0 image prune -f
  is "$stdout" "" "nothing left to prune"

  run_roost 0 image prune -a -f
  is "$stdout" "$MULTILAYER_ID" "-a: every image no container uses"
  is "$(image_ids)" "$(printf '%s\n' "$BUSYBOX_ID" "$used" | sort | tr '\n' ' ')" "images containers use stay"
  run_roost 0 start -a c2

  run_roost 0 rm c1 c2
  run_roost 0 image prune -a -f
  is "$(sort <<<"$stdout" | tr '\n' ' ')" "$(printf '%s\n' "$BUSYBOX_ID" "$used" | sort | tr '\n' ' ')"
  is "$(image_ids)" "" "nothing left"
  is "$(ls "$(graph_root)/layers" | wc -l)" 0 "no layer left behind"
}

test_system_df() {
  run_roost 0 system df
  is "$stdout" "$(printf '%s\n' "TYPE            TOTAL   ACTIVE   SIZE   RECLAIMABLE" \
    "Images          0       0        0B     0B (0%)" \
    "Containers      0       0        0B     0B (0%)" \
    "Local Volumes   0       0        0B     0B (0%)")" "an empty store"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 create --name c1 localhost/busybox sh -c 'head -c 5000 /dev/zero >/junk'
  run_roost 0 start -a c1
  run_roost 0 system df
  local images containers
  images=$(awk '$1 == "Images" {print $2, $3, $4, $5, $6}' <<<"$stdout")
  containers=$(awk '$1 == "Containers" {print $2, $3, $4, $5, $6}' <<<"$stdout")
  is "$images" "2 1 4.301MB 2.161MB (50%)" "two images, one in use; the other can go"
  is "$containers" "1 0 5kB 5kB (100%)" "a stopped container's writes can go"
}
