#include "image/pull.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/monotonic.hpp"
#include "image/archive_internal.hpp"
#include "image/inflate.hpp"
#include "image/stream_worker.hpp"
#include "storage/layer_ring.hpp"

namespace roost::image {
namespace {

// One layer blob on its way from the registry into a layer helper: every
// byte is counted as it arrives, then hashed and inflated (ISA-L) on the
// layer's own thread (WORKER), and the tar goes through the ring the helper
// reads. The verdict waits for that thread to have seen every byte.
struct Transfer {
  size_t index = 0;
  Descriptor desc;
  Compression compression = Compression::none;
  std::unique_ptr<CurlHandle> handle;  // a fresh one per attempt
  HttpResponse response;  // headers only
  char errbuf[CURL_ERROR_SIZE] = "";
  std::unique_ptr<storage::LayerRing> ring;  // producer side
  Sha256 sha;
  uint64_t bytes = 0;
  std::unique_ptr<GzipStream> gzip;
  std::optional<Error> stream_error;  // decompressing or writing failed; hashing goes on
  std::optional<Error> error;         // final verdict once done
  bool done = false;
  // Retries: a failed attempt starts again where the last one stopped (a
  // Range request; a server that sends the whole blob has the bytes already
  // seen skipped), so nothing reaches the layer helper twice.
  int attempt = 1;
  std::optional<std::chrono::steady_clock::time_point> retry_at;
  uint64_t skip = 0;      // bytes of this response already received before
  long status = 0;        // of this attempt's response, once its body starts
  std::string error_body; // of a failed response, for the registry's words
  const PullOptions* opts = nullptr;  // for layer_progress
  // Last: its thread, which uses the members above, stops first.
  StreamWorker worker{[this](const char* data, size_t len) { consume(data, len); }};

  void trace(const char* step) const {
    log_debug("pull: layer " + std::to_string(index + 1) + ": " + step + " at " + monotonic_ms());
  }

  void report(bool finished) const {
    if (opts && opts->layer_progress) opts->layer_progress(desc.digest, bytes, desc.size, finished);
  }

  Result<void> to_helper(const char* data, size_t len) {
    if (!ring->open()) return {};
    return ring->write(data, len);
  }

  size_t on_data(const char* data, size_t len) {
    if (status == 0) {
      curl_easy_getinfo(handle->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status == 200) skip = bytes;  // the whole blob again
    }
    if (status != 200 && status != 206) {
      if (error_body.size() < 4096) error_body.append(data, std::min<size_t>(len, 4096 - error_body.size()));
      return len;
    }
    size_t n = len;
    if (skip > 0) {
      size_t drop = static_cast<size_t>(std::min<uint64_t>(skip, n));
      skip -= drop;
      data += drop;
      n -= drop;
      if (n == 0) return len;
    }
    if (bytes == 0) trace("first byte");
    bytes += n;
    if (bytes > desc.size) {
      error = make_error(ErrorKind::corrupt, "blob " + desc.digest + ": larger than the " + std::to_string(desc.size) +
                                                 " bytes the manifest says");
      return 0;
    }
    report(false);
    worker.push(data, n);
    return len;
  }

  // On the worker's thread.
  void consume(const char* data, size_t n) {
    sha.update(data, n);
    if (stream_error) return;
    auto r = gzip ? gzip->feed(data, n) : to_helper(data, n);
    if (!r) {
      stream_error = r.error();
      ring->abort();  // the helper sees a short tar and fails; the digest decides the message
    }
  }

  static size_t write_cb(char* data, size_t size, size_t n, void* self) {
    return static_cast<Transfer*>(self)->on_data(data, size * n);
  }

  // Sets the handle up for the next attempt, from byte BYTES on.
  Result<void> prepare(RegistryClient& client) {
    auto req = ROOST_TRY(client.blob_request(desc.digest));
    if (bytes > 0) req.headers.push_back("Range: bytes=" + std::to_string(bytes) + "-");
    handle = std::make_unique<CurlHandle>();
    ROOST_TRY(prepare_request(*handle, req, client.tls()));
    CURL* e = handle->easy;
    errbuf[0] = '\0';
    status = 0;
    skip = 0;
    error_body.clear();
    response = HttpResponse{};
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, Transfer::write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(e, CURLOPT_PRIVATE, this);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
    return {};
  }

  // After curl is done with an attempt: whether to try again (RETRY_AT
  // set), else the verdict, digest first (a tampered blob is reported as
  // such, whatever else broke on the way).
  void complete(CURLcode rc, const RetryPolicy& policy) {
    trace("received");
    worker.drain();  // its bytes hashed, its errors known
    trace("hashed and inflated");
    long final_status = status;
    if (final_status == 0) curl_easy_getinfo(handle->easy, CURLINFO_RESPONSE_CODE, &final_status);
    bool failed_status = rc == CURLE_OK && final_status != 200 && final_status != 206;
    if (!error && !stream_error && attempt < policy.attempts &&
        ((rc != CURLE_OK && transient_curl_error(rc, true)) || (failed_status && transient_status(final_status)))) {
      auto wait = retry_delay(policy, attempt, failed_status ? &response : nullptr);
      log_warn("fetching blob " + desc.digest + " failed (" +
               (failed_status ? "HTTP status " + std::to_string(final_status) : curl_error_text(rc, errbuf)) + "), retrying in " +
               std::to_string(wait.count()) + " ms (" + std::to_string(attempt) + "/" + std::to_string(policy.attempts - 1) + ")");
      ++attempt;
      retry_at = std::chrono::steady_clock::now() + wait;
      return;
    }
    done = true;
    if (!error && rc != CURLE_OK)
      error = make_error(ErrorKind::io, "fetching blob " + desc.digest + ": " + curl_error_text(rc, errbuf));
    if (!error && failed_status)
      error = make_error(final_status == 404 ? ErrorKind::not_found : ErrorKind::io,
                         "fetching blob " + desc.digest + ": HTTP status " + std::to_string(final_status) +
                             (attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : ""));
    if (!error && bytes != desc.size)
      error = make_error(ErrorKind::corrupt, "blob " + desc.digest + ": truncated (" + std::to_string(bytes) + " of " +
                                                 std::to_string(desc.size) + " bytes)");
    if (!error) {
      std::string got = sha.digest();
      if (got != desc.digest) error = make_error(ErrorKind::corrupt, "blob " + desc.digest + ": digest mismatch (got " + got + ")");
    }
    if (!error && gzip && !stream_error) {
      auto r = gzip->finish();
      if (!r) stream_error = r.error();
    }
    if (!error && stream_error) error = *stream_error;
    // The end of the tar for the helper (a helper that failed tells why itself).
    if (error) ring->abort();
    else (void)ring->close();
    if (error) error->context("layer " + std::to_string(index + 1));
    else report(true);
  }
};

class MultiHandle {
 public:
  MultiHandle() : m_(curl_multi_init()) {}
  ~MultiHandle() {
    for (auto* e : easies_) curl_multi_remove_handle(m_, e);
    curl_multi_cleanup(m_);
  }
  MultiHandle(const MultiHandle&) = delete;
  MultiHandle& operator=(const MultiHandle&) = delete;
  void add(CURL* e) {
    curl_multi_add_handle(m_, e);
    easies_.push_back(e);
  }
  void remove(CURL* e) {
    curl_multi_remove_handle(m_, e);
    std::erase(easies_, e);
  }
  CURLM* get() { return m_; }

 private:
  CURLM* m_;
  std::vector<CURL*> easies_;
};

// Restores SIGPIPE's disposition: a layer helper that fails closes its ring,
// and the write must fail with EPIPE rather than kill roost.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() { old_ = ::signal(SIGPIPE, SIG_IGN); }
  ~IgnoreSigpipe() { ::signal(SIGPIPE, old_); }

 private:
  sighandler_t old_;
};

struct Puller {
  storage::Store& store;
  RegistryClient& client;
  const PullOptions& opts;
  storage::ImageWriter& writer;
  const ImageManifest& manifest;
  const std::vector<std::string>& diff_ids;

  void say(const std::string& line) {
    if (opts.progress) opts.progress(line);
  }

  Result<std::unique_ptr<Transfer>> start(size_t i, MultiHandle& multi) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->desc = manifest.layers[i];
    t->opts = &opts;
    t->compression = ROOST_TRY(layer_compression(t->desc.media_type));
    t->ring = ROOST_TRY(storage::LayerRing::create());
    ROOST_TRY(writer.start_layer(*t->ring));
    if (t->compression == Compression::gzip) {
      Transfer* raw = t.get();
      t->gzip = std::make_unique<GzipStream>([raw](const char* d, size_t n) { return raw->to_helper(d, n); });
    }
    ROOST_TRY(t->prepare(client));
    multi.add(t->handle->easy);
    t->trace("started");
    say("Copying blob " + t->desc.digest);
    return t;
  }

  // Starts again the transfers whose retry is due; the milliseconds until
  // the next one is (at most MAX_WAIT).
  Result<int> restart_due(MultiHandle& multi, std::deque<std::unique_ptr<Transfer>>& active, int max_wait) {
    auto now = std::chrono::steady_clock::now();
    int wait = max_wait;
    for (auto& t : active) {
      if (!t->retry_at) continue;
      if (*t->retry_at <= now) {
        t->retry_at.reset();
        ROOST_TRY(t->prepare(client));
        multi.add(t->handle->easy);
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*t->retry_at - now).count();
      wait = std::min<int>(wait, static_cast<int>(left) + 1);
    }
    return wait;
  }

  static bool all_done(const std::deque<std::unique_ptr<Transfer>>& active) {
    return std::all_of(active.begin(), active.end(), [](const auto& t) { return t->done; });
  }

  // Drives the transfers until every one is done. Only then are their layers
  // finished: finish_layer waits for a helper's last files and its syncfs,
  // and no transfer may stall meanwhile (this thread also drives curl).
  Result<void> run_until_all_done(MultiHandle& multi, std::deque<std::unique_ptr<Transfer>>& active) {
    while (!all_done(active)) {
      int wait = ROOST_TRY(restart_due(multi, active, 1000));
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi.get(), &running);
      if (mc != CURLM_OK) return make_error(ErrorKind::io, std::string("curl: ") + curl_multi_strerror(mc));
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        CURLcode rc = msg->data.result;
        multi.remove(msg->easy_handle);
        if (t) t->complete(rc, client.retry_policy());
      }
      // A failed layer fails the pull now, not after the others' downloads.
      for (auto& t : active)
        if (t->done && t->error) return std::move(*t->error);
      if (all_done(active)) break;
      mc = curl_multi_poll(multi.get(), nullptr, 0, wait, nullptr);
      if (mc != CURLM_OK) return make_error(ErrorKind::io, std::string("curl: ") + curl_multi_strerror(mc));
    }
    return {};
  }

  Result<void> finish_front(std::deque<std::unique_ptr<Transfer>>& active) {
    auto t = std::move(active.front());
    active.pop_front();
    storage::ImageWriter::LayerCheck check;
    check.diff_id = diff_ids[t->index];
    if (t->compression == Compression::none) check.stream_digest = t->desc.digest;
    check.compressed_digest = t->desc.digest;
    check.compressed_size = t->desc.size;
    auto applied = writer.finish_layer(check);
    t->trace("applied by its helper");
    if (t->error) return std::move(*t->error);
    if (!applied) return std::move(applied).error().context("layer " + std::to_string(t->index + 1));
    return {};
  }

  Result<void> run() {
    IgnoreSigpipe sigpipe;
    // The transfers outlive the multi handle, which lets go of their easy
    // handles before they are cleaned up.
    std::deque<std::unique_ptr<Transfer>> active;
    MultiHandle multi;
    size_t window = writer.parallel_layers() ? std::max<size_t>(1, opts.parallel_layers) : 1;
    std::string parent;
    for (size_t next = 0; next < manifest.layers.size() || !active.empty();) {
      while (next < manifest.layers.size() && active.size() < window) {
        std::string id = storage::chain_id(parent, diff_ids[next]);
        if (store.layer(id)) {
          if (!active.empty()) break;  // stored layers join in order
          ROOST_TRY(writer.add_layer(-1, diff_ids[next], ""));
          say("Copying blob " + manifest.layers[next].digest + " skipped: already exists");
        } else {
          active.push_back(ROOST_TRY(start(next, multi)));
        }
        parent = id;
        ++next;
      }
      if (active.empty()) continue;
      ROOST_TRY(run_until_all_done(multi, active));
      while (!active.empty()) ROOST_TRY(finish_front(active));
    }
    return {};
  }
};

}  // namespace

Result<storage::ImageRecord> pull_image(storage::Store& store, const Reference& ref, const PullOptions& opts) {
  auto say = [&](const std::string& line) {
    if (opts.progress) opts.progress(line);
  };
  say("Trying to pull " + ref.str() + "...");
  auto client = ROOST_TRY(RegistryClient::open(ref.domain, ref.path, opts.registry));
  auto fetched = ROOST_TRY(client->get_manifest(ref.digest.empty() ? ref.tag : ref.digest));
  if (is_manifest_list(fetched.media_type)) {
    auto list = ROOST_TRY_CTX(parse_manifest_list(fetched.bytes, fetched.media_type), ref.str());
    auto entry = ROOST_TRY_CTX(choose_platform(list, opts.platform.value_or(host_platform())), ref.str());
    fetched = ROOST_TRY(client->get_manifest(entry.manifest.digest));
    if (is_manifest_list(fetched.media_type))
      return make_error(ErrorKind::unsupported, ref.str() + ": a manifest list inside a manifest list");
  }
  auto manifest = ROOST_TRY_CTX(parse_image_manifest(fetched.bytes, fetched.media_type), ref.str());
  say("Getting image source signatures");
  auto config = ROOST_TRY(client->get_blob(manifest.config));
  auto diff_ids = ROOST_TRY(detail::config_diff_ids(config, "image config " + manifest.config.digest));
  if (diff_ids.size() != manifest.layers.size())
    return make_error(ErrorKind::corrupt, ref.str() + ": the manifest lists " + std::to_string(manifest.layers.size()) +
                                              " layers but the config " + std::to_string(diff_ids.size()));
  auto writer = ROOST_TRY(store.new_image());
  Puller puller{store, *client, opts, *writer, manifest, diff_ids};
  ROOST_TRY_CTX(puller.run(), "pulling " + ref.str());
  say("Copying config " + manifest.config.digest);
  say("Writing manifest to image destination");
  const Reference& named = opts.store_as ? *opts.store_as : ref;
  std::vector<std::string> names;
  if (!named.tag.empty()) names.push_back(named.repository() + ":" + named.tag);
  auto committed = writer->commit(config, fetched.bytes, fetched.media_type, names);
  log_debug("pull: committed at " + monotonic_ms());
  return committed;
}

}  // namespace roost::image
