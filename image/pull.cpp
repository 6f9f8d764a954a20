#include "image/pull.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/monotonic.hpp"
#include "image/archive_internal.hpp"
#include "image/inflate.hpp"
#include "storage/layer_ring.hpp"

namespace roost::image {
namespace {

// What the threads of one window of transfers share with the thread that
// waits for them.
struct TransferBoard {
  std::mutex mutex;  // guards the members below, the registry client and progress reports
  std::condition_variable changed;
  size_t finished = 0;
  std::optional<size_t> first_failed;  // the layer index of the first transfer that failed
  // Set once the pull is failing: the others stop at their next callback.
  std::atomic<bool> cancel = false;
};

// One layer blob on its way from the registry into a layer helper, on a
// thread of its own: curl's callback counts, hashes and inflates (ISA-L) each
// piece where it lands, straight into the slots of the ring the helper reads
// (a blob that is not gzip is copied there as it is; the helper hashes the tar
// in the slots). A layer whose helper is slow holds back its own download only
// (TCP's window), and no byte is copied between threads on the way.
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
  bool renew_token = false;    // the last attempt's token was refused: a fresh one first
  bool token_renewed = false;  // once per blob
  std::string error_body; // of a failed response, for the registry's words
  const PullOptions* opts = nullptr;  // for layer_progress
  TransferBoard* board = nullptr;

  void trace(const char* step) const {
    log_debug("pull: layer " + std::to_string(index + 1) + ": " + step + " at " + monotonic_ms());
  }

  void report(bool finished) const {
    if (!opts || !opts->layer_progress) return;
    std::lock_guard lock(board->mutex);  // the callback draws for every layer
    opts->layer_progress(desc.digest, bytes, desc.size, finished);
  }

  Result<void> to_helper(const char* data, size_t len) {
    if (!ring->open()) return {};
    return ring->write(data, len);
  }

  size_t on_data(const char* data, size_t len) {
    if (board->cancel) return 0;
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
    sha.update(data, n);
    if (stream_error) return len;
    auto r = gzip ? gzip->feed(data, n) : to_helper(data, n);
    if (!r) {
      stream_error = r.error();
      ring->abort();  // the helper sees a short tar and fails; the digest decides the message
    }
    return len;
  }

  static size_t write_cb(char* data, size_t size, size_t n, void* self) {
    return static_cast<Transfer*>(self)->on_data(data, size * n);
  }

  // Also called while no data flows: a stalled transfer sees the cancel too.
  static int progress_cb(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(self)->board->cancel ? 1 : 0;
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
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, Transfer::progress_cb);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
    return {};
  }

  // The thread's work: every attempt, until a verdict (or the pull is
  // cancelled), which it posts on the board.
  void download(RegistryClient& client) {
    const RetryPolicy& policy = client.retry_policy();
    while (!done) {
      Result<void> prepared = [&]() -> Result<void> {
        std::lock_guard lock(board->mutex);  // the client may fetch a token
        if (renew_token) {
          renew_token = false;
          ROOST_TRY(client.renew_token(response));
        }
        return prepare(client);
      }();
      if (!prepared) {
        fail(std::move(prepared).error());
        break;
      }
      complete(curl_easy_perform(handle->easy), policy);
      if (done) break;
      std::unique_lock lock(board->mutex);
      if (board->changed.wait_until(lock, *retry_at, [&] { return board->cancel.load(); })) {
        lock.unlock();
        fail(make_error(ErrorKind::io, "fetching blob " + desc.digest + ": cancelled"));
      }
      retry_at.reset();
    }
    {
      std::lock_guard lock(board->mutex);
      ++board->finished;
      if (error && !board->cancel && !board->first_failed) board->first_failed = index;
    }
    board->changed.notify_all();
  }

  void fail(Error e) {
    done = true;
    error = std::move(e);
    ring->abort();
  }

  // After curl is done with an attempt: whether to try again (RETRY_AT
  // set), else the verdict, digest first (a tampered blob is reported as
  // such, whatever else broke on the way).
  void complete(CURLcode rc, const RetryPolicy& policy) {
    trace("received");
    long final_status = status;
    if (final_status == 0) curl_easy_getinfo(handle->easy, CURLINFO_RESPONSE_CODE, &final_status);
    bool failed_status = rc == CURLE_OK && final_status != 200 && final_status != 206;
    // An expired token (the pull outlived it): renewed once, at once.
    if (!error && !stream_error && !board->cancel && failed_status && final_status == 401 && !token_renewed) {
      log_debug("fetching blob " + desc.digest + ": HTTP status 401, renewing the token");
      token_renewed = renew_token = true;
      retry_at = std::chrono::steady_clock::now();
      return;
    }
    if (!error && !stream_error && !board->cancel && attempt < policy.attempts &&
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

// The threads of one window of transfers. Going out of scope cancels what
// still runs (an early return) and joins every thread.
class TransferThreads {
 public:
  explicit TransferThreads(TransferBoard& board) : board_(board) {}
  ~TransferThreads() {
    board_.cancel = true;
    board_.changed.notify_all();  // a transfer waiting to retry
    for (auto& t : threads_) t.join();
  }
  TransferThreads(const TransferThreads&) = delete;
  TransferThreads& operator=(const TransferThreads&) = delete;
  void run(Transfer& t, RegistryClient& client) {
    threads_.emplace_back([&t, &client] { t.download(client); });
  }

 private:
  TransferBoard& board_;
  std::vector<std::thread> threads_;
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

  Result<std::unique_ptr<Transfer>> start(size_t i, TransferBoard& board) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->desc = manifest.layers[i];
    t->opts = &opts;
    t->board = &board;
    t->compression = ROOST_TRY(layer_compression(t->desc.media_type));
    t->ring = ROOST_TRY(storage::LayerRing::create());
    ROOST_TRY(writer.start_layer(*t->ring));
    if (t->compression == Compression::gzip) {
      Transfer* raw = t.get();
      t->gzip = std::make_unique<GzipStream>(GzipStream::Output{[raw] { return raw->ring->room(); },
                                                                 [raw](size_t n) { return raw->ring->filled(n); }});
    }
    t->trace("started");
    say("Copying blob " + t->desc.digest);
    return t;
  }

  // Runs the window's transfers, each on a thread of its own, until every
  // one is done; the first failure cancels the rest and fails the pull now,
  // not after the others' downloads. Only then are their layers finished:
  // finish_layer waits for a helper's last files and its syncfs. The threads
  // start after every helper of the window is forked (a fork is best done
  // while the process has one thread).
  Result<void> run_until_all_done(TransferBoard& board, std::deque<std::unique_ptr<Transfer>>& active) {
    std::optional<size_t> failed;
    {
      TransferThreads threads(board);
      for (auto& t : active) threads.run(*t, client);
      std::unique_lock lock(board.mutex);
      board.changed.wait(lock, [&] { return board.finished == active.size() || board.first_failed; });
      failed = board.first_failed;
    }
    board.finished = 0;
    board.cancel = false;
    if (!failed) return {};
    for (auto& t : active)
      if (t->index == *failed) return std::move(*t->error);
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
    TransferBoard board;  // before the transfers, which point at it
    std::deque<std::unique_ptr<Transfer>> active;
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
          active.push_back(ROOST_TRY(start(next, board)));
        }
        parent = id;
        ++next;
      }
      if (active.empty()) continue;
      ROOST_TRY(run_until_all_done(board, active));
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
