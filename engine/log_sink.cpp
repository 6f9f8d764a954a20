#include "engine/log_sink.hpp"

#include "engine/journal.hpp"
#include "engine/log_file.hpp"

namespace roost::engine {
namespace {

class DropSink final : public LogSink {
 public:
  void write(LogStream, const char*, size_t) noexcept override {}
};

}  // namespace

Result<std::unique_ptr<LogSink>> open_log_sink(const LogTarget& target) {
  if (target.driver == "journald") return open_journal_sink({target.id, target.name, target.tag});
  if (target.driver == "none") return std::unique_ptr<LogSink>(std::make_unique<DropSink>());
  auto writer = ROOST_TRY(LogWriter::open(target.path, target.max_size));
  return std::unique_ptr<LogSink>(std::make_unique<LogWriter>(std::move(writer)));
}

}  // namespace roost::engine
