#include "storage/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/file_lock.hpp"
#include "common/format.hpp"
#include "common/fs_tree.hpp"
#include "common/log.hpp"
#include "common/monotonic.hpp"
#include "common/process.hpp"
#include "storage/container_changes.hpp"
#include "storage/db.hpp"
#include "storage/layer_apply.hpp"
#include "storage/layer_ring.hpp"
#include "storage/staging_lock.hpp"
#include "userns/userns.hpp"

namespace roost::storage {

std::string driver_name(Driver d) {
  switch (d) {
    case Driver::overlay: return "overlay";
    case Driver::fuse_overlayfs: return "fuse-overlayfs";
    case Driver::vfs: return "vfs";
  }
  return "unknown";
}

Result<Driver> parse_driver(const std::string& name) {
  if (name == "overlay" || name == "overlay2") return Driver::overlay;
  if (name == "fuse-overlayfs") return Driver::fuse_overlayfs;
  if (name == "vfs") return Driver::vfs;
  return make_error(ErrorKind::invalid, "unknown storage driver \"" + name + "\": use overlay, fuse-overlayfs or vfs");
}

std::string chain_id(const std::string& parent_chain_id, const std::string& diff_id) {
  if (parent_chain_id.empty()) return digest_hex(diff_id);
  return digest_hex(sha256_digest("sha256:" + parent_chain_id + " " + diff_id));
}

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layers(
  id TEXT PRIMARY KEY, parent TEXT NOT NULL, diff_id TEXT NOT NULL,
  compressed_digest TEXT NOT NULL, compressed_size INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images(
  id TEXT PRIMARY KEY, top_layer TEXT NOT NULL, config BLOB NOT NULL, manifest BLOB NOT NULL,
  manifest_type TEXT NOT NULL, manifest_digest TEXT NOT NULL, created INTEGER NOT NULL,
  loaded INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS names(name TEXT PRIMARY KEY, image_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blob_locations(
  digest TEXT NOT NULL, registry TEXT NOT NULL, repository TEXT NOT NULL,
  PRIMARY KEY(digest, registry, repository));
)";

std::string random_hex(size_t n) {
  static std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(hex[rd() & 15]);
  return s;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

LayerRecord read_layer_row(const Statement& st) {
  LayerRecord r;
  r.id = st.text(0);
  r.parent = st.text(1);
  r.diff_id = st.text(2);
  r.compressed_digest = st.text(3);
  r.compressed_size = static_cast<uint64_t>(st.integer(4));
  r.size = static_cast<uint64_t>(st.integer(5));
  return r;
}

Result<void> sync_tree(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open", path);
  if (::syncfs(fd.get()) != 0) return sys_error("syncfs", path);
  return {};
}

// A lock file with which older versions claimed a staging name.
bool is_lock_file(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0;
}

// Closes every descriptor above stderr except KEEP.
void keep_only_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > next) ::close_range(next, static_cast<unsigned>(fd) - 1, 0);
    next = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(next, ~0U, 0);
}

}  // namespace

struct Store::Impl {
  StoreOptions opts;
  Database db;
  std::string layers_dir;
  std::string staging_dir;
  std::string lock_path;
  std::string staging_lock_path;  // claims on staging names (staging_lock.hpp)

  // Removes trees whose files belong to mapped IDs: only root inside the
  // user namespace may delete them.
  Result<void> remove_paths(const std::vector<std::string>& paths) {
    if (paths.empty()) return {};
    auto r = userns::run_in_userns(opts.mapping, [&]() -> Result<std::string> {
      for (auto& p : paths) ROOST_TRY(remove_tree(p));
      return std::string();
    });
    if (!r) return std::move(r).error();
    return {};
  }

  Result<std::map<std::string, LayerRecord>> all_layers() {
    std::map<std::string, LayerRecord> out;
    auto st = ROOST_TRY(db.prepare("SELECT id, parent, diff_id, compressed_digest, compressed_size, size FROM layers"));
    while (ROOST_TRY(st.step())) {
      auto r = read_layer_row(st);
      out[r.id] = r;
    }
    return out;
  }

  Result<std::optional<LayerRecord>> find_layer(const std::string& id) {
    auto st = ROOST_TRY(db.prepare("SELECT id, parent, diff_id, compressed_digest, compressed_size, size FROM layers WHERE id = ?"));
    st.bind(1, id);
    if (!ROOST_TRY(st.step())) return std::optional<LayerRecord>();
    return std::optional<LayerRecord>(read_layer_row(st));
  }

  // Older versions claimed staging/NAME with a flock on staging/NAME.lock.
  // Where no writer holds that lock, NAME goes to DOOMED and the lock file
  // (also one left without its NAME) to STALE_LOCKS.
  Result<void> sweep_lock_file_claims(const std::set<std::string>& names, std::vector<std::string>& doomed,
                                      std::vector<std::string>& stale_locks) {
    for (auto& n : names) {
      if (!is_lock_file(n)) continue;
      std::string lock_file = staging_dir + "/" + n;
      auto writer = ROOST_TRY(FileLock::try_acquire(lock_file));
      if (!writer.held()) continue;
      std::string claimed = n.substr(0, n.size() - 5);
      if (names.count(claimed)) doomed.push_back(staging_dir + "/" + claimed);
      stale_locks.push_back(lock_file);
    }
    return {};
  }

  // The other names are claimed by a byte of staging.lock (staging_lock.hpp):
  // those no writer claims go to DOOMED.
  Result<void> sweep_byte_claims(const std::set<std::string>& names, std::vector<std::string>& doomed) {
    std::optional<UniqueFd> claims;
    for (auto& n : names) {
      if (is_lock_file(n) || names.count(n + ".lock")) continue;
      if (!claims) claims = ROOST_TRY(open_file(staging_lock_path, O_RDWR | O_CREAT, 0600));
      if (ROOST_TRY(staging_name_abandoned(claims->get(), n))) doomed.push_back(staging_dir + "/" + n);
    }
    return {};
  }

  // Deletes staging directories whose writer is gone and layer directories
  // the database does not know (a crash between rename and commit).
  Result<void> sweep() {
    auto lock = ROOST_TRY(FileLock::acquire(lock_path));
    std::vector<std::string> doomed;
    std::vector<std::string> stale_locks;
    auto listed = list_dir(staging_dir);
    std::set<std::string> names(listed.begin(), listed.end());
    ROOST_TRY(sweep_lock_file_claims(names, doomed, stale_locks));
    ROOST_TRY(sweep_byte_claims(names, doomed));
    auto dirs = list_dir(layers_dir);
    if (!dirs.empty()) {
      auto known = ROOST_TRY(all_layers());
      for (auto& n : dirs)
        if (!known.count(n)) doomed.push_back(layers_dir + "/" + n);
    }
    ROOST_TRY_CTX(remove_paths(doomed), "cleaning up after an interrupted command");
    for (auto& l : stale_locks) ::unlink(l.c_str());
    return {};
  }

  Result<std::vector<ImageRecord>> load_images(const std::string& where, const std::string& arg) {
    auto layers = ROOST_TRY(all_layers());
    std::map<std::string, std::vector<std::string>> names;
    {
      auto st = ROOST_TRY(db.prepare("SELECT name, image_id FROM names ORDER BY seq"));
      while (ROOST_TRY(st.step())) names[st.text(1)].push_back(st.text(0));
    }
    auto st = ROOST_TRY(db.prepare(
        "SELECT id, top_layer, config, manifest, manifest_type, manifest_digest, created, loaded FROM images " + where +
        " ORDER BY loaded DESC, id"));
    if (!arg.empty()) st.bind(1, arg);
    std::vector<ImageRecord> out;
    while (ROOST_TRY(st.step())) {
      ImageRecord r;
      r.id = st.text(0);
      std::string top = st.text(1);
      r.config_json = st.text(2);
      r.manifest_json = st.text(3);
      r.manifest_type = st.text(4);
      r.manifest_digest = st.text(5);
      r.created = static_cast<std::time_t>(st.integer(6));
      r.loaded = static_cast<std::time_t>(st.integer(7));
      r.names = names[r.id];
      for (std::string cur = top; !cur.empty();) {
        auto it = layers.find(cur);
        if (it == layers.end()) break;
        r.layers.insert(r.layers.begin(), cur);
        r.size += it->second.size;
        cur = it->second.parent;
      }
      out.push_back(std::move(r));
    }
    return out;
  }
};

struct ImageWriter::Impl {
  Store::Impl* store;
  // A layer whose helper process is still applying it.
  struct Pending {
    Child child;
    UniqueFd report;  // the helper's result ("O" + JSON, or "E" + kind + message)
  };
  struct Layer {
    LayerRecord record;       // filled in by finish_layer
    std::string staged_path;  // empty when the layer was already in the store
    std::shared_ptr<Pending> pending;
  };
  size_t pending_count() const {
    size_t n = 0;
    for (auto& l : layers) n += l.pending ? 1 : 0;
    return n;
  }
  std::vector<Layer> layers;
  std::string dir;  // staging/<random>
  UniqueFd claim;   // tells sweepers this writer is alive (staging_lock.hpp)
  bool committed = false;
  bool warned_devices = false;  // once per image, not per layer

  // Forks the helper that applies the next layer with APPLY, keeping only
  // the descriptors KEEP (its input) of this process's.
  using ApplyFn = std::function<Result<ApplyStats>(const std::string& path, const ApplyOptions& opts)>;
  Result<void> start_layer(std::vector<int> keep, const ApplyFn& apply);

  std::string layer_path(const Layer& l) const {
    return l.staged_path.empty() ? store->layers_dir + "/" + l.record.id : l.staged_path;
  }
};

ImageWriter::ImageWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ImageWriter::~ImageWriter() {
  if (!impl_) return;
  for (auto& l : impl_->layers) l.pending.reset();  // kills helpers still writing into the staging area
  std::vector<std::string> doomed;
  if (exists(impl_->dir)) doomed.push_back(impl_->dir);
  (void)impl_->store->remove_paths(doomed);
}

Result<LayerRecord> ImageWriter::add_layer(int fd, const std::string& expected_diff_id,
                                           const std::string& expected_compressed_digest) {
  auto& s = *impl_->store;
  if (!expected_diff_id.empty()) {
    ROOST_TRY(validate_digest(expected_diff_id));
    if (impl_->pending_count() > 0)
      return make_error(ErrorKind::internal, "add_layer while layers are still being applied");
    std::string parent = impl_->layers.empty() ? "" : impl_->layers.back().record.id;
    if (auto existing = ROOST_TRY(s.find_layer(chain_id(parent, expected_diff_id)))) {
      impl_->layers.push_back({*existing, "", {}});
      return *existing;
    }
  }
  ROOST_TRY(start_layer(fd));
  LayerCheck check;
  check.diff_id = expected_diff_id;
  check.stream_digest = expected_compressed_digest;
  return finish_layer(check);
}

bool ImageWriter::parallel_layers() const { return impl_->store->opts.driver != Driver::vfs; }

Result<void> ImageWriter::start_layer(int fd) {
  return impl_->start_layer({fd}, [fd](const std::string& path, const ApplyOptions& opts) {
    return apply_layer(fd, path, opts);
  });
}

Result<void> ImageWriter::start_layer(LayerRing& ring) {
  auto started = impl_->start_layer({ring.consumer_doorbell(), ring.consumer_credit()},
                                    [&ring](const std::string& path, const ApplyOptions& opts) {
                                      return apply_layer(ring, path, opts);
                                    });
  ring.close_consumer_ends();
  return started;
}

Result<void> ImageWriter::Impl::start_layer(std::vector<int> keep, const ApplyFn& apply) {
  auto& s = *store;
  bool copy_parent = s.opts.driver == Driver::vfs && !layers.empty();
  if (copy_parent && pending_count() > 0)
    return make_error(ErrorKind::internal, "vfs applies one layer at a time: finish the previous layer first");
  std::string path = dir + "/" + std::to_string(layers.size());
  if (::mkdir(path.c_str(), 0755) != 0) return sys_error("mkdir", path);
  std::string parent_path = copy_parent ? layer_path(layers.back()) : "";

  ApplyOptions opts;
  opts.whiteouts = s.opts.driver == Driver::vfs ? WhiteoutFormat::vfs : WhiteoutFormat::overlay;
  opts.ignore_chown_errors = s.opts.mapping.single_id;
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd report_rd(report[0]), report_wr(report[1]);
  int wr = report_wr.get();
  auto child = ROOST_TRY(userns::fork_in_userns(s.opts.mapping, [&]() -> int {
    // Other layers' pipes are open in this process too: holding their write
    // ends would keep their readers from ever seeing the end of the stream.
    keep.push_back(wr);
    keep_only_fds(keep);
    log_debug("layer helper " + path + ": running at " + monotonic_ms());
    auto r = [&]() -> Result<std::string> {
      if (copy_parent) {
        // vfs keeps a full tree per layer; cp preserves owners, modes, links and xattrs.
        auto cp = ROOST_TRY(run_program({"cp", "-a", "--reflink=auto", parent_path + "/.", path + "/"}));
        if (cp.exit_code != 0) return make_error(ErrorKind::io, "copying parent layer: " + cp.output);
      }
      auto st = ROOST_TRY(apply(path, opts));
      log_debug("layer helper " + path + ": written at " + monotonic_ms());
      // Durability: the layer's bytes must be on disk before commit records
      // it, or a crash could leave a committed layer of empty files. One
      // syncfs per layer instead of an fsync per file: most of the data went
      // out with O_DIRECT already (apply_layer), so this flushes the small
      // files and the metadata, while the other layers are still arriving.
      ROOST_TRY(sync_tree(path));
      log_debug("layer helper " + path + ": synced at " + monotonic_ms());
      nlohmann::json j = {{"diff_id", st.diff_id}, {"compressed_digest", st.compressed_digest},
                          {"compressed_size", st.compressed_size}, {"size", st.uncompressed_size},
                          {"skipped_devices", st.skipped_devices}};
      return j.dump();
    }();
    std::string msg = r ? "O" + *r : "E" + std::to_string(static_cast<int>(r.error().kind())) + " " + r.error().str();
    return write_all(wr, msg.data(), msg.size()) ? 0 : 1;
  }));
  report_wr.reset();
  Impl::Layer layer;
  layer.staged_path = path;
  layer.pending = std::make_shared<Impl::Pending>(Impl::Pending{std::move(child), std::move(report_rd)});
  layers.push_back(std::move(layer));
  return {};
}

Result<LayerRecord> ImageWriter::finish_layer(const LayerCheck& check) {
  auto& s = *impl_->store;
  size_t i = 0;
  while (i < impl_->layers.size() && !impl_->layers[i].pending) ++i;
  if (i == impl_->layers.size()) return make_error(ErrorKind::internal, "finish_layer without a started layer");
  auto& layer = impl_->layers[i];
  auto pending = std::move(layer.pending);
  auto report = ROOST_TRY_CTX(read_fd(pending->report.get()), "reading from the layer helper");
  int status = ROOST_TRY(pending->child.wait());
  if (report.empty() || (report[0] != 'O' && report[0] != 'E'))
    return make_error(ErrorKind::internal, "layer helper failed (exit status " + std::to_string(status) + ")");
  if (report[0] == 'E') {
    auto sp = report.find(' ');
    int kind = std::atoi(report.substr(1, sp).c_str());
    return make_error(static_cast<ErrorKind>(kind), sp == std::string::npos ? "" : report.substr(sp + 1));
  }
  auto j = nlohmann::json::parse(report.substr(1));
  std::string parent = i == 0 ? "" : impl_->layers[i - 1].record.id;
  LayerRecord rec;
  rec.parent = parent;
  rec.diff_id = j["diff_id"];
  rec.compressed_digest = j["compressed_digest"];
  rec.compressed_size = j["compressed_size"];
  rec.size = j["size"];
  uint64_t skipped = j["skipped_devices"].get<uint64_t>();
  if (skipped > 0 && !impl_->warned_devices) {
    impl_->warned_devices = true;
    log_warn("skipping device nodes that an unprivileged user cannot create (" + std::to_string(skipped) +
             " in layer " + rec.diff_id + "); containers see no such files");
  }
  if (!check.stream_digest.empty() && rec.compressed_digest != check.stream_digest)
    return make_error(ErrorKind::corrupt, "layer " + check.stream_digest + ": digest mismatch (got " +
                                              rec.compressed_digest + ")");
  if (!check.diff_id.empty() && rec.diff_id != check.diff_id)
    return make_error(ErrorKind::corrupt, "layer " + check.diff_id + ": uncompressed digest (diff ID) mismatch (got " +
                                              rec.diff_id + ")");
  if (!check.compressed_digest.empty()) {
    rec.compressed_digest = check.compressed_digest;
    rec.compressed_size = check.compressed_size;
  }
  rec.id = chain_id(parent, rec.diff_id);
  if (auto existing = ROOST_TRY(s.find_layer(rec.id))) {
    ROOST_TRY(s.remove_paths({layer.staged_path}));
    layer.staged_path.clear();
    layer.record = *existing;
    return *existing;
  }
  layer.record = rec;
  return rec;
}

Result<ImageRecord> ImageWriter::commit(const std::string& config_json, const std::string& manifest_json,
                                        const std::string& manifest_type, const std::vector<std::string>& names) {
  auto& s = *impl_->store;
  nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object())
    return make_error(ErrorKind::corrupt, "image config is not a JSON object");
  std::vector<std::string> diff_ids;
  if (config.contains("rootfs") && config["rootfs"].contains("diff_ids"))
    for (auto& d : config["rootfs"]["diff_ids"]) diff_ids.push_back(d.is_string() ? d.get<std::string>() : "");
  if (impl_->pending_count() > 0) return make_error(ErrorKind::internal, "commit with layers still being applied");
  if (diff_ids.size() != impl_->layers.size())
    return make_error(ErrorKind::corrupt, "image config lists " + std::to_string(diff_ids.size()) +
                                              " layers (rootfs.diff_ids) but " + std::to_string(impl_->layers.size()) +
                                              " were given");
  for (size_t i = 0; i < diff_ids.size(); ++i)
    if (diff_ids[i] != impl_->layers[i].record.diff_id)
      return make_error(ErrorKind::corrupt, "layer " + std::to_string(i + 1) + ": diff ID " +
                                                impl_->layers[i].record.diff_id + " does not match the config's " +
                                                diff_ids[i]);
  std::string id = digest_hex(sha256_digest(config_json));
  std::time_t created = 0;
  if (config.contains("created") && config["created"].is_string()) created = parse_rfc3339(config["created"]);
  std::string top = impl_->layers.empty() ? "" : impl_->layers.back().record.id;

  auto lock = ROOST_TRY(FileLock::acquire(s.lock_path));
  bool moved = false;
  for (auto& l : impl_->layers) {
    if (l.staged_path.empty()) continue;
    std::string final_path = s.layers_dir + "/" + l.record.id;
    if (exists(final_path)) continue;  // another writer stored the same layer first
    if (::rename(l.staged_path.c_str(), final_path.c_str()) != 0) return sys_error("rename", final_path);
    l.staged_path.clear();
    moved = true;
  }
  // The renames reach the disk before the rows that point at them.
  if (moved) {
    UniqueFd dir(::open(s.layers_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid() || ::fsync(dir.get()) != 0) return sys_error("fsync", s.layers_dir);
  }
  auto tx = ROOST_TRY(Transaction::begin(s.db));
  for (auto& l : impl_->layers) {
    auto st = ROOST_TRY(s.db.prepare(
        "INSERT OR IGNORE INTO layers(id, parent, diff_id, compressed_digest, compressed_size, size) VALUES(?,?,?,?,?,?)"));
    st.bind(1, l.record.id).bind(2, l.record.parent).bind(3, l.record.diff_id).bind(4, l.record.compressed_digest);
    st.bind(5, static_cast<int64_t>(l.record.compressed_size)).bind(6, static_cast<int64_t>(l.record.size));
    ROOST_TRY(st.run());
  }
  {
    auto st = ROOST_TRY(s.db.prepare(
        "INSERT OR IGNORE INTO images(id, top_layer, config, manifest, manifest_type, manifest_digest, created, loaded) "
        "VALUES(?,?,?,?,?,?,?,?)"));
    st.bind(1, id).bind(2, top).bind(3, config_json).bind(4, manifest_json).bind(5, manifest_type);
    st.bind(6, manifest_json.empty() ? std::string() : sha256_digest(manifest_json));
    st.bind(7, static_cast<int64_t>(created)).bind(8, static_cast<int64_t>(std::time(nullptr)));
    ROOST_TRY(st.run());
  }
  for (auto& n : names) {
    auto st = ROOST_TRY(s.db.prepare(
        "INSERT OR REPLACE INTO names(name, image_id, seq) VALUES(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM names))"));
    st.bind(1, n).bind(2, id);
    ROOST_TRY(st.run());
  }
  ROOST_TRY(tx.commit());
  lock.release();
  impl_->committed = true;
  auto images = ROOST_TRY(s.load_images("WHERE id = ?", id));
  if (images.empty()) return make_error(ErrorKind::internal, "image " + id + " vanished after commit");
  return images.front();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const StoreOptions& Store::options() const { return impl_->opts; }
Database& Store::database() { return impl_->db; }

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  ROOST_TRY_CTX(make_dirs(options.graph_root, 0700), "creating graph root");
  std::string layers = options.graph_root + "/layers";
  std::string staging = options.graph_root + "/staging";
  if (::mkdir(layers.c_str(), 0700) != 0 && errno != EEXIST) return sys_error("mkdir", layers);
  if (::mkdir(staging.c_str(), 0700) != 0 && errno != EEXIST) return sys_error("mkdir", staging);
  auto db = ROOST_TRY(Database::open(options.graph_root + "/roost.db"));
  ROOST_TRY(db.exec(kSchema));
  auto impl = std::make_unique<Impl>(Impl{options, std::move(db), layers, staging, options.graph_root + "/store.lock",
                                                 options.graph_root + "/staging.lock"});

  auto st = ROOST_TRY(impl->db.prepare("SELECT value FROM meta WHERE key = 'driver'"));
  if (ROOST_TRY(st.step())) {
    std::string recorded = st.text(0);
    if (recorded != driver_name(options.driver))
      return make_error(ErrorKind::invalid, "the store at " + options.graph_root + " was created with the " + recorded +
                                                " driver, not " + driver_name(options.driver) + " (" +
                                                options.driver_source + "): use --storage-driver " + recorded +
                                                " or another --root");
  } else {
    auto ins = ROOST_TRY(impl->db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES('driver', ?)"));
    ins.bind(1, driver_name(options.driver));
    ROOST_TRY(ins.run());
  }
  ROOST_TRY(impl->sweep());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<std::unique_ptr<ImageWriter>> Store::new_image() {
  auto impl = std::make_unique<ImageWriter::Impl>();
  impl->store = impl_.get();
  std::string name = random_hex(16);
  impl->dir = impl_->staging_dir + "/" + name;
  impl->claim = ROOST_TRY(claim_staging_name(impl_->staging_lock_path, name));
  if (::mkdir(impl->dir.c_str(), 0700) != 0) return sys_error("mkdir", impl->dir);
  return std::unique_ptr<ImageWriter>(new ImageWriter(std::move(impl)));
}

Result<std::unique_ptr<ScratchDir>> Store::new_staging_path() {
  std::string name = random_hex(16);
  auto claim = ROOST_TRY(claim_staging_name(impl_->staging_lock_path, name));
  return std::unique_ptr<ScratchDir>(new ScratchDir(impl_->staging_dir + "/" + name, std::move(claim)));
}

Result<std::unique_ptr<ScratchDir>> Store::new_scratch() {
  auto scratch = ROOST_TRY(new_staging_path());
  if (::mkdir(scratch->path().c_str(), 0700) != 0) return sys_error("mkdir", scratch->path());
  return scratch;
}

ScratchDir::~ScratchDir() {
  auto r = remove_tree(path_);
  if (!r) log_warn("removing " + path_ + ": " + r.error().str());
}

Result<ExportedLayer> Store::export_layer(const std::string& id, const std::string& out, LayerCompression compression) {
  std::string dir = layer_dir(id);
  std::vector<std::string> parents;  // topmost first
  for (auto rec = layer(id); rec && !rec->parent.empty(); rec = layer(rec->parent)) parents.push_back(layer_dir(rec->parent));
  Driver driver = impl_->opts.driver;
  auto payload = ROOST_TRY(userns::run_in_userns(impl_->opts.mapping, [&]() -> Result<std::string> {
    // The tar is spooled beside OUT, then compressed: TarWriter writes to an fd.
    std::string spool = out + ".tar";
    auto w = ROOST_TRY(open_file(spool, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    ROOST_TRY(write_layer_tar(driver, dir, parents, w.get()));
    if (::lseek(w.get(), 0, SEEK_SET) != 0) return sys_error("lseek", spool);
    auto x = compression == LayerCompression::gzip ? gzip_layer(w.get(), out) : hash_layer(w.get());
    if (x && compression == LayerCompression::none && ::rename(spool.c_str(), out.c_str()) != 0) x = sys_error("rename", out);
    ::unlink(spool.c_str());
    if (!x) return std::move(x).error();
    return nlohmann::json{{"diff_id", x->diff_id}, {"digest", x->digest}, {"size", x->size}}.dump();
  }));
  auto j = nlohmann::json::parse(payload);
  ExportedLayer x;
  x.diff_id = j["diff_id"].get<std::string>();
  x.digest = j["digest"].get<std::string>();
  x.size = j["size"].get<uint64_t>();
  return x;
}

std::vector<ImageRecord> Store::images() {
  auto r = impl_->load_images("", "");
  return r ? std::move(r).value() : std::vector<ImageRecord>{};
}

Result<ImageRecord> Store::image_by_id(const std::string& full_id) {
  auto r = ROOST_TRY(impl_->load_images("WHERE id = ?", full_id));
  if (r.empty()) return make_error(ErrorKind::not_found, full_id + ": image not known");
  return r.front();
}

Result<ImageRecord> Store::find_image(const std::string& text, const std::vector<std::string>& candidates) {
  auto all = ROOST_TRY(impl_->load_images("", ""));
  auto has_name = [](const ImageRecord& r, const std::string& n) {
    for (auto& x : r.names)
      if (x == n) return true;
    return false;
  };
  for (auto& r : all)
    if (has_name(r, text)) return r;
  for (auto& c : candidates)
    for (auto& r : all)
      if (has_name(r, c)) return r;
  std::string hex = text.rfind("sha256:", 0) == 0 ? text.substr(7) : text;
  if (is_hex(hex)) {
    for (auto& r : all)
      if (r.id == hex || digest_hex(r.manifest_digest) == hex) return r;
    if (hex.size() >= 3 && hex.size() < 64) {
      std::vector<const ImageRecord*> hits;
      for (auto& r : all)
        if (r.id.compare(0, hex.size(), hex) == 0) hits.push_back(&r);
      if (hits.size() == 1) return *hits.front();
      if (hits.size() > 1)
        return make_error(ErrorKind::invalid, text + ": short ID is ambiguous (" + std::to_string(hits.size()) +
                                                  " images): give more of the ID");
    }
  }
  // A short name stored under any registry: "busybox" finds quay.io/x/busybox:latest.
  if (text.find('@') == std::string::npos) {
    std::string want = text;
    auto slash = want.find_last_of('/');
    if (want.find(':', slash == std::string::npos ? 0 : slash) == std::string::npos) want += ":latest";
    want = "/" + want;
    std::vector<const ImageRecord*> hits;
    for (auto& r : all)
      for (auto& n : r.names)
        if (n.size() > want.size() && n.compare(n.size() - want.size(), want.size(), want) == 0) {
          hits.push_back(&r);
          break;
        }
    if (hits.size() == 1) return *hits.front();
    if (hits.size() > 1)
      return make_error(ErrorKind::invalid, text + ": short name matches " + std::to_string(hits.size()) +
                                                " images: use the full name");
  }
  return make_error(ErrorKind::not_found, text + ": image not known");
}

Result<void> Store::add_name(const std::string& image_id, const std::string& name) {
  auto lock = ROOST_TRY(FileLock::acquire(impl_->lock_path));
  auto st = ROOST_TRY(impl_->db.prepare(
      "INSERT OR REPLACE INTO names(name, image_id, seq) VALUES(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM names))"));
  st.bind(1, name).bind(2, image_id);
  return st.run();
}

Result<void> Store::record_blob_location(const std::string& digest, const std::string& registry,
                                         const std::string& repository) {
  // SQLite serialises writers itself; an insert of a fact needs no store lock.
  auto st = ROOST_TRY(impl_->db.prepare(
      "INSERT OR IGNORE INTO blob_locations(digest, registry, repository) VALUES(?, ?, ?)"));
  st.bind(1, digest).bind(2, registry).bind(3, repository);
  return st.run();
}

Result<std::vector<std::string>> Store::blob_repositories(const std::string& digest, const std::string& registry) {
  auto st = ROOST_TRY(impl_->db.prepare(
      "SELECT repository FROM blob_locations WHERE digest = ? AND registry = ? ORDER BY rowid DESC"));
  st.bind(1, digest).bind(2, registry);
  std::vector<std::string> out;
  while (ROOST_TRY(st.step())) out.push_back(st.text(0));
  return out;
}

Result<void> Store::remove_name(const std::string& name) {
  auto lock = ROOST_TRY(FileLock::acquire(impl_->lock_path));
  auto st = ROOST_TRY(impl_->db.prepare("DELETE FROM names WHERE name = ?"));
  st.bind(1, name);
  return st.run();
}

Result<void> Store::delete_image(const std::string& image_id) {
  auto lock = ROOST_TRY(FileLock::acquire(impl_->lock_path));
  auto all = ROOST_TRY(impl_->load_images("", ""));
  std::set<std::string> still_used;
  for (auto& r : all)
    if (r.id != image_id) still_used.insert(r.layers.begin(), r.layers.end());
  std::vector<std::string> doomed_layers;
  for (auto& r : all)
    if (r.id == image_id)
      for (auto& l : r.layers)
        if (!still_used.count(l)) doomed_layers.push_back(l);
  auto tx = ROOST_TRY(Transaction::begin(impl_->db));
  for (const char* sql : {"DELETE FROM names WHERE image_id = ?", "DELETE FROM images WHERE id = ?"}) {
    auto st = ROOST_TRY(impl_->db.prepare(sql));
    st.bind(1, image_id);
    ROOST_TRY(st.run());
  }
  for (auto& l : doomed_layers) {
    auto st = ROOST_TRY(impl_->db.prepare("DELETE FROM layers WHERE id = ?"));
    st.bind(1, l);
    ROOST_TRY(st.run());
  }
  ROOST_TRY(tx.commit());
  std::vector<std::string> paths;
  for (auto& l : doomed_layers) paths.push_back(layer_dir(l));
  // Once the rows are gone the directories are garbage; a failure here is
  // swept up by the next open.
  auto removed = impl_->remove_paths(paths);
  if (!removed) log_warn("removing layer directories: " + removed.error().str());
  return {};
}

std::optional<LayerRecord> Store::layer(const std::string& id) {
  auto r = impl_->find_layer(id);
  return r ? r.value() : std::nullopt;
}

std::string Store::layer_dir(const std::string& id) const { return impl_->layers_dir + "/" + id; }

uint64_t Store::layers_size() {
  auto layers = impl_->all_layers();
  uint64_t total = 0;
  if (layers)
    for (auto& [id, l] : *layers) total += l.size;
  return total;
}

}  // namespace roost::storage
