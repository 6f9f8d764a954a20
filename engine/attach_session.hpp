// The client's side of one session on a container's attach socket, shared by
// `attach`, `start -ai` (attach_container.cpp) and `run -i`
// (foreground_attach.cpp).
#pragma once

#include "common/fd.hpp"
#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::engine {

// Relays R's stdio over SOCK until C exits, the user detaches, or the
// monitor is gone (an Error then). PROXY: signals this process gets go on to
// the container instead of ending the session.
Result<AttachOutcome> relay_session(Engine& eng, const ContainerRecord& c, int sock, const AttachRequest& r,
                                    bool proxy);

// Starts C with a monitor and connects to its attach socket before the
// container runs: the socket, or when its command could not be executed
// the exit code (127/126; the reason written to R.err). Call with the
// attach signals blocked (AttachSignalBlock) until the session ends.
struct StartedSession {
  UniqueFd sock;
  int exit_code = 0;
};
Result<StartedSession> start_with_session(Engine& eng, const ContainerRecord& c, const AttachRequest& r);

}  // namespace roost::engine
