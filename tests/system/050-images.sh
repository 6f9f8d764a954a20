# roost images: the table, -q, --no-trunc, --format json and templates.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

test_images_table() {
  run_roost 0 images
  is "$output" "REPOSITORY   TAG   IMAGE ID   CREATED   SIZE" "empty store: just the header"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 images
  assert_match "${output%%$'\n'*}" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "header"
  assert_match "$output" $'\n''localhost/busybox +latest +'"${BUSYBOX_ID:0:12}"' +[^ ].* ago +[0-9.]+ [kM]B$' "one row per name"
}

test_images_quiet_and_no_trunc() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 tag localhost/busybox second:tag
  run_roost 0 images -q
  is "$output" "${BUSYBOX_ID:0:12}" "one ID per image, not per name"
  run_roost 0 images --no-trunc
  assert_contains "$output" "sha256:$BUSYBOX_ID"
  run_roost 0 images
  is "$(grep -c "${BUSYBOX_ID:0:12}" <<<"$output")" 2 "a row for each name"
}

test_images_json() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 images --format json
  is "$(jq -r '.[0].Id' <<<"$output")" "$BUSYBOX_ID"
  is "$(jq -r '.[0].Names | join(",")' <<<"$output")" "localhost/busybox:latest"
  is "$(jq -r '.[0].Size > 1000000' <<<"$output")" true "size counts the layer"
  assert_match "$(jq -r '.[0].Digest' <<<"$output")" '^sha256:[0-9a-f]{64}$' "manifest digest"
}

test_untagged_image_shows_none() {
  run_roost 0 load -i "$FIXTURES/busybox-oci"
  run_roost 0 images
  assert_match "$output" $'\n''<none> +<none> +'"${BUSYBOX_ID:0:12}" "an image without a name"
}

test_images_bad_format() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 125 images --format '{{.Nope'
  assert_contains "$output" "template: unclosed action"
  run_roost 125 images --format '{{.Nope}}'
  assert_contains "$output" "can't evaluate field Nope"
}
