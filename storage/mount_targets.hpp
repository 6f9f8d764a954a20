// The store's layer of empty mount targets: GRAPH/mount-targets holds
// etc/hostname, etc/hosts, etc/resolv.conf and run/.containerenv, empty. It
// is the bottom lowerdir of every overlay root, so that the files bind-mounted
// there exist without being created in the container's upper/ (which would
// copy /etc up and create inodes at every start). Where the image has the
// directory, overlay takes the directory's attributes from the image.
#pragma once

#include <string>

#include "common/result.hpp"

namespace roost::storage {

class Store;

// Path of STORE's targets layer, made (atomically, through the staging area)
// when missing. Its files belong to this process's user: root in the
// container.
Result<std::string> ensure_mount_targets(Store& store);

// Where the targets layer is (or would be) under GRAPH_ROOT.
std::string mount_targets_dir(const std::string& graph_root);

}  // namespace roost::storage
