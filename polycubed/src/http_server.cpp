#include "http_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace polycube::http {

namespace {

using Clock = std::chrono::steady_clock;

// epoll user data: the wake-up eventfd, listeners, then connections.
constexpr uint64_t kWakeId = 0;
constexpr uint64_t kListenerBase = 1;
constexpr uint64_t kFirstConnectionId = 1u << 16;

// What a connection is doing; each state but kHandling has its own
// timeout, and the connections in it form a list in the order they entered
// it, so the front of each list is the next to time out.
enum class Phase { kHead, kBody, kHandling, kWriting, kIdle, kLingering, kCount };

struct Connection;
using ConnList = std::list<Connection *>;

struct Source {
  ConnList connections;
};

struct Connection {
  Connection(uint64_t id_, std::unique_ptr<Stream> s, PeerIdentity p, const HttpLimits &limits)
      : id(id_), stream(std::move(s)), peer(std::move(p)), parser(limits) {}
  uint64_t id;
  std::unique_ptr<Stream> stream;
  PeerIdentity peer;
  Source *source = nullptr;
  ConnList::iterator source_pos;
  RequestParser parser;
  std::string pending;  // received, not yet parsed (pipelined requests)
  size_t pending_off = 0;
  std::string out;  // to send
  size_t out_off = 0;
  Phase phase = Phase::kHead;
  Clock::time_point since;  // when it entered `phase`
  ConnList::iterator phase_pos;
  bool in_phase_list = false;
  bool readable = false, writable = true;
  bool close_after = false;   // after the queued answer
  bool linger_after = false;  // ... and read what the peer still sends first
  bool sent_continue = false;
  bool head_checked = false;  // check_head ran for the request being read
};

struct Job {
  uint64_t connection;
  HttpRequest request;
  PeerIdentity peer;
};

struct Completion {
  uint64_t connection;
  std::string bytes;
  bool close;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opt;
  HttpHandler handler;
  HttpErrorFormatter errors;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<Clock::time_point> listener_paused_until;  // EMFILE back-off; epoch: not paused

  int epfd = -1, wakefd = -1, spare_fd = -1;
  std::thread loop_thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> draining{false};  // stop(): finish what was received, accept nothing new
  bool drain_started = false;         // (loop thread)
  Clock::time_point drain_deadline;
  bool started = false;

  // Event-loop state (loop thread only).
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
  std::unordered_map<std::string, Source> sources;
  ConnList phase_lists[static_cast<int>(Phase::kCount)];
  std::deque<uint64_t> ready;  // connections with more to read after a fairness cut
  uint64_t next_id = kFirstConnectionId;
  size_t max_connections = 0;
  int fd_threshold = 0;  // an accepted descriptor at or above it eats into the reserve
  Clock::time_point now;
  char buf[64 * 1024];

  // Workers.
  std::vector<std::thread> workers;
  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  std::mutex done_mu;
  std::vector<Completion> done;

  std::chrono::milliseconds timeout_of(Phase p) const {
    switch (p) {
      case Phase::kHead: return opt.header_timeout;
      case Phase::kBody: return opt.body_timeout;
      case Phase::kWriting: return opt.write_timeout;
      case Phase::kIdle: return opt.idle_timeout;
      case Phase::kLingering: return opt.linger_timeout;
      default: return std::chrono::milliseconds::max();
    }
  }
  ConnList &list_of(Phase p) { return phase_lists[static_cast<int>(p)]; }

  void set_phase(Connection *c, Phase p) {
    if (c->in_phase_list) list_of(c->phase).erase(c->phase_pos);
    c->in_phase_list = false;
    c->phase = p;
    c->since = now;
    if (p != Phase::kHandling) {
      auto &l = list_of(p);
      c->phase_pos = l.insert(l.end(), c);
      c->in_phase_list = true;
    }
  }

  // ---- start / stop ----

  void start() {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd < 0 || wakefd < 0) throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
    spare_fd = ::fcntl(wakefd, F_DUPFD_CLOEXEC, 0);  // any descriptor holds a slot for EMFILE (accept_from)
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeId;
    epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);
    for (size_t i = 0; i < listeners.size(); i++) {
      ev.events = EPOLLIN;
      ev.data.u64 = kListenerBase + i;
      epoll_ctl(epfd, EPOLL_CTL_ADD, listeners[i]->fd(), &ev);
    }
    listener_paused_until.assign(listeners.size(), Clock::time_point());
    // The descriptor budget.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    size_t limit = rl.rlim_cur == RLIM_INFINITY ? (1u << 20) : static_cast<size_t>(rl.rlim_cur);
    size_t reserve = std::min(opt.fd_reserve, limit / 4);
    fd_threshold = static_cast<int>(limit - reserve);
    max_connections = std::max<size_t>(1, std::min(opt.max_connections, limit - reserve));
    spdlog::info("http: up to {} connections ({} per source), descriptor limit {} with {} kept for the daemon",
                 max_connections, opt.max_connections_per_source, limit, reserve);
    for (unsigned i = 0; i < std::max(1u, opt.workers); i++) workers.emplace_back([this] { work(); });
    loop_thread = std::thread([this] { loop(); });
  }

  void stop() {
    if (!started) return;
    started = false;
    // First the event loop drains: it closes the listeners and idle
    // connections, lets the requests it has run and answers go out, and
    // returns when no connection is left (or at drain_timeout).
    draining = true;
    uint64_t wake = 1;
    [[maybe_unused]] ssize_t ww = ::write(wakefd, &wake, sizeof(wake));
    if (loop_thread.joinable()) loop_thread.join();
    {
      // Under the workers' lock: a worker between its check and its wait
      // would otherwise miss the notification and never return.
      std::lock_guard<std::mutex> lock(jobs_mu);
      stopping = true;
    }
    jobs_cv.notify_all();
    uint64_t one = 1;
    [[maybe_unused]] ssize_t w = ::write(wakefd, &one, sizeof(one));
    if (loop_thread.joinable()) loop_thread.join();
    for (auto &t : workers) t.join();
    workers.clear();
    connections.clear();
    sources.clear();
    for (auto &l : phase_lists) l.clear();
    listeners.clear();
    for (int fd : {epfd, wakefd, spare_fd})
      if (fd >= 0) ::close(fd);
    epfd = wakefd = spare_fd = -1;
  }

  // ---- workers ----

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(jobs_mu);
        jobs_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      const bool head = job.request.method == "HEAD";
      const bool close = !job.request.keep_alive;
      HttpResponse r;
      try {
        r = handler(job.request, job.peer);
      } catch (const std::exception &e) {
        spdlog::error("http: handler of {} {} failed: {}", job.request.method, job.request.target, e.what());
        r = errors(500, "internal error");
      } catch (...) {
        spdlog::error("http: handler of {} {} failed", job.request.method, job.request.target);
        r = errors(500, "internal error");
      }
      const bool last = close || draining;  // a stopping server says so
      Completion c{job.connection, serialize_response(r, head, last), last};
      bool was_empty;
      {
        std::lock_guard<std::mutex> lock(done_mu);
        was_empty = done.empty();
        done.push_back(std::move(c));
      }
      // One wake-up for a batch: the loop takes all completions at once.
      if (was_empty) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t w = ::write(wakefd, &one, sizeof(one));
      }
    }
  }

  // ---- event loop ----

  void loop() {
    epoll_event events[256];
    while (!stopping) {
      if (draining) {
        if (!drain_started) begin_drain();
        if (connections.empty() || Clock::now() >= drain_deadline) break;
      }
      int timeout = ready.empty() ? next_timeout_ms() : 0;
      int n = epoll_wait(epfd, events, 256, timeout);
      if (n < 0 && errno != EINTR) {
        spdlog::error("http: epoll_wait: {}", std::strerror(errno));
        break;
      }
      now = Clock::now();
      for (int i = 0; i < n; i++) {
        uint64_t id = events[i].data.u64;
        if (id == kWakeId) {
          uint64_t count;
          [[maybe_unused]] ssize_t r = ::read(wakefd, &count, sizeof(count));
          take_completions();
        } else if (id < kFirstConnectionId) {
          accept_from(id - kListenerBase);
        } else {
          Connection *c = find(id);
          if (!c) continue;  // closed earlier in this batch
          uint32_t e = events[i].events;
          if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
          if (e & (EPOLLOUT | EPOLLERR)) c->writable = true;
          if ((e & EPOLLOUT) && c->stream->read_waits_for_writable()) c->readable = true;
          if ((e & EPOLLIN) && c->stream->write_waits_for_readable()) c->writable = true;
          drive(c);
        }
      }
      std::deque<uint64_t> again;
      again.swap(ready);
      for (uint64_t id : again)
        if (Connection *c = find(id)) drive(c);
      expire();
    }
  }

  // stop(): no new connections or requests; what was received is answered.
  void begin_drain() {
    drain_started = true;
    now = Clock::now();
    drain_deadline = now + opt.drain_timeout;
    for (auto &l : listeners) epoll_ctl(epfd, EPOLL_CTL_DEL, l->fd(), nullptr);
    listeners.clear();  // closed: new clients are refused rather than left waiting
    std::vector<Connection *> all;
    for (auto &[id, c] : connections) all.push_back(c.get());
    for (Connection *c : all) {
      bool busy = c->phase == Phase::kHandling || c->phase == Phase::kWriting || c->phase == Phase::kBody ||
                  (c->phase == Phase::kHead && c->parser.started());
      if (!busy) close(c);
      else c->close_after = true;
    }
  }

  Connection *find(uint64_t id) {
    auto it = connections.find(id);
    return it == connections.end() ? nullptr : it->second.get();
  }

  int next_timeout_ms() {
    Clock::time_point next = now + std::chrono::seconds(1);
    for (int p = 0; p < static_cast<int>(Phase::kCount); p++) {
      auto &l = phase_lists[p];
      if (!l.empty()) next = std::min(next, l.front()->since + timeout_of(static_cast<Phase>(p)));
    }
    for (auto t : listener_paused_until)
      if (t != Clock::time_point()) next = std::min(next, t);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000));
  }

  void expire() {
    now = Clock::now();
    for (int p = 0; p < static_cast<int>(Phase::kCount); p++) {
      Phase phase = static_cast<Phase>(p);
      auto &l = phase_lists[p];
      while (!l.empty() && l.front()->since + timeout_of(phase) <= now) {
        Connection *c = l.front();
        if (phase == Phase::kHead && c->parser.started()) {
          refuse_and_close(c, 408, "the request head did not arrive within " +
                                       std::to_string(opt.header_timeout.count()) + " ms");
        } else if (phase == Phase::kBody) {
          refuse_and_close(c, 408, "the request body did not arrive within " + std::to_string(opt.body_timeout.count()) +
                                       " ms");
        } else {
          close(c);  // idle, nothing sent yet, an unread answer, or done lingering
        }
      }
    }
    for (size_t i = 0; i < listeners.size(); i++) {
      if (listener_paused_until[i] != Clock::time_point() && listener_paused_until[i] <= now) {
        listener_paused_until[i] = Clock::time_point();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kListenerBase + i;
        epoll_ctl(epfd, EPOLL_CTL_MOD, listeners[i]->fd(), &ev);
      }
    }
  }

  // ---- accepting ----

  void accept_from(size_t index) {
    if (index >= listeners.size()) return;  // closed by begin_drain in this batch
    Listener &l = *listeners[index];
    for (int i = 0; i < 64; i++) {
      Accepted a = l.accept();
      if (a.stream) {
        admit(std::move(a));
        continue;
      }
      if (a.error == EINTR || a.error == ECONNABORTED) continue;
      if (a.error == EMFILE || a.error == ENFILE) {
        // Out of descriptors after all (something else took the reserve):
        // accept the pending connection with the spare one and close it,
        // so the listener does not stay readable, then pause accepting.
        warn_limit("out of file descriptors: shedding connections, accepting again in 100 ms");
        if (spare_fd >= 0) {
          ::close(spare_fd);
          spare_fd = -1;
          // At the socket level (whatever the listener wraps around it):
          // dup2 closes the connection and keeps its slot as the new spare
          // in one step, so nothing can take the slot in between.
          int shed = ::accept4(l.fd(), nullptr, nullptr, SOCK_CLOEXEC);
          if (shed >= 0 && ::dup2(wakefd, shed) >= 0) spare_fd = shed;
          else if (shed >= 0) ::close(shed);
        }
        if (spare_fd < 0) spare_fd = ::fcntl(wakefd, F_DUPFD_CLOEXEC, 0);  // again, when one is free
        epoll_event ev{};
        ev.data.u64 = kListenerBase + index;
        epoll_ctl(epfd, EPOLL_CTL_MOD, l.fd(), &ev);
        listener_paused_until[index] = now + std::chrono::milliseconds(100);
      } else if (a.error != EAGAIN && a.error != EWOULDBLOCK) {
        spdlog::warn("http: accept on {}: {}", l.address(), std::strerror(a.error));
      }
      return;
    }
  }

  // Which connection gives way: one lingering after a refusal, else the
  // longest idle, else the one that has been sending its head the longest.
  static int eviction_rank(Phase p) {
    switch (p) {
      case Phase::kLingering: return 0;
      case Phase::kIdle: return 1;
      case Phase::kHead: return 2;
      default: return -1;  // busy: never evicted
    }
  }

  bool evict_from_source(Source &s) {
    Connection *victim = nullptr;
    for (Connection *c : s.connections) {
      int rank = eviction_rank(c->phase);
      if (rank < 0) continue;
      if (!victim || rank < eviction_rank(victim->phase) ||
          (rank == eviction_rank(victim->phase) && c->since < victim->since))
        victim = c;
    }
    if (!victim) return false;
    evict(victim);
    return true;
  }

  bool evict_any() {
    for (Phase p : {Phase::kLingering, Phase::kIdle, Phase::kHead}) {
      auto &l = list_of(p);
      if (!l.empty()) {
        evict(l.front());
        return true;
      }
    }
    return false;
  }

  // Operators learn that the limits act, once in a while (a flood would
  // otherwise flood the log too).
  Clock::time_point last_limit_warning;
  void warn_limit(const std::string &what) {
    if (last_limit_warning != Clock::time_point() && now - last_limit_warning < std::chrono::seconds(10)) return;
    last_limit_warning = now;
    spdlog::warn("http: {} ({} connections open)", what, connections.size());
  }

  void evict(Connection *c) {
    warn_limit("at a connection limit: closing the longest-waiting connections to make room");
    if (c->phase == Phase::kHead && c->parser.started()) refuse_and_close(c, 503, "the server is at its connection limit");
    else close(c);
  }

  void admit(Accepted a) {
    const std::string source = a.peer.source;
    // Evictions may close a source's last connection and so forget the
    // source: look it up again afterwards.
    if (auto it = sources.find(source);
        it != sources.end() && it->second.connections.size() >= opt.max_connections_per_source &&
        !evict_from_source(it->second))
      return refuse(std::move(a), "too many connections from " + source);
    bool near_fd_limit = a.stream->fd() >= fd_threshold;
    if ((connections.size() >= max_connections || near_fd_limit) && !evict_any())
      return refuse(std::move(a), "the server is at its connection limit");
    uint64_t id = next_id++;
    auto conn = std::make_unique<Connection>(id, std::move(a.stream), std::move(a.peer), opt.limits);
    Connection *c = conn.get();
    c->parser.pause_after_head(static_cast<bool>(opt.check_head));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = id;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->stream->fd(), &ev) != 0) {
      spdlog::warn("http: epoll_ctl: {}", std::strerror(errno));
      return;
    }
    Source &s = sources[source];
    c->source = &s;
    c->source_pos = s.connections.insert(s.connections.end(), c);
    connections.emplace(id, std::move(conn));
    set_phase(c, Phase::kHead);
  }

  // A connection we do not keep: one best-effort 503 and close.
  void refuse(Accepted a, std::string why) {
    warn_limit("refusing connections: " + why);
    spdlog::debug("http: refused {}: {}", a.peer.display, why);
    std::string bytes = serialize_response(errors(503, why), false, true);
    a.stream->write(bytes.data(), bytes.size());
  }

  // ---- connections ----

  void close(Connection *c) {
    if (c->in_phase_list) list_of(c->phase).erase(c->phase_pos);
    c->in_phase_list = false;
    if (c->source) {
      c->source->connections.erase(c->source_pos);
      if (c->source->connections.empty()) sources.erase(c->peer.source);
    }
    connections.erase(c->id);  // closes the stream; epoll forgets the descriptor
  }

  // An answer of our own (timeout, overload) written as far as the socket
  // takes it at once, then the connection is closed.
  void refuse_and_close(Connection *c, int status, const std::string &why) {
    std::string bytes = serialize_response(errors(status, why), false, true);
    c->stream->write(bytes.data(), bytes.size());
    close(c);
  }

  // Runs the connection's state machine as far as it can go now.
  void drive(Connection *c) {
    for (int reads = 0;;) {
      if (c->out_off < c->out.size()) {
        if (!c->writable) return;
        if (!flush(c)) return;
      }
      switch (c->phase) {
        case Phase::kWriting:
          if (!answered(c)) return;
          continue;
        case Phase::kHandling: return;
        case Phase::kLingering: return discard(c);
        default: break;
      }
      // kIdle, kHead, kBody: parse what is buffered, then read more.
      if (c->pending_off < c->pending.size()) {
        std::string_view data(c->pending);
        data.remove_prefix(c->pending_off);
        size_t used = feed(c, data);
        if (!find(c->id)) return;
        c->pending_off += used;
        if (c->pending_off >= c->pending.size()) {
          c->pending.clear();
          c->pending_off = 0;
        }
        continue;
      }
      if (!c->readable) return;
      if (++reads > 16) {  // let other connections have their turn
        ready.push_back(c->id);
        return;
      }
      IoResult r = c->stream->read(buf, sizeof(buf));
      if (r.status == IoStatus::kWouldBlock) {
        c->readable = false;
        return;
      }
      if (r.status != IoStatus::kOk) {
        // The peer is gone, or ended its side with a request unfinished:
        // nobody to answer.
        return close(c);
      }
      std::string_view data(buf, r.bytes);
      size_t used = feed(c, data);
      if (!find(c->id)) return;
      if (used < data.size()) c->pending.assign(data.substr(used));  // the next pipelined request(s)
    }
  }

  // Sends queued bytes; false if the connection closed or the socket is full.
  bool flush(Connection *c) {
    while (c->out_off < c->out.size()) {
      IoResult r = c->stream->write(c->out.data() + c->out_off, c->out.size() - c->out_off);
      if (r.status == IoStatus::kOk) {
        c->out_off += r.bytes;
      } else if (r.status == IoStatus::kWouldBlock) {
        c->writable = false;
        return false;
      } else {
        close(c);
        return false;
      }
    }
    c->out.clear();
    c->out_off = 0;
    return true;
  }

  // Feeds `data` to the parser and acts on what it found; returns the bytes used.
  size_t feed(Connection *c, std::string_view data) {
    bool was_started = c->parser.started();
    size_t used = c->parser.feed(data);
    if (!was_started && c->parser.started() && c->phase == Phase::kIdle) set_phase(c, Phase::kHead);
    if (opt.check_head && !c->head_checked && c->parser.head_done()) {
      c->head_checked = true;
      if (std::optional<HttpResponse> refusal = check(c)) return refuse_request(c, *refusal, data, used);
    }
    switch (c->parser.status()) {
      case RequestParser::Status::kNeedMore:
        if (c->parser.head_done() && c->phase == Phase::kHead) {
          set_phase(c, Phase::kBody);
          if (c->parser.request().expect_continue && !c->sent_continue) {
            c->out += "HTTP/1.1 100 Continue\r\n\r\n";
            c->sent_continue = true;
          }
        }
        break;
      case RequestParser::Status::kComplete: dispatch(c); break;
      case RequestParser::Status::kError: {
        const HttpFramingError &e = c->parser.error();
        c->out += serialize_response(errors(e.status, e.message), false, true);
        c->close_after = c->linger_after = true;
        c->pending.clear();
        c->pending_off = 0;
        set_phase(c, Phase::kWriting);
        return data.size();  // nothing after a framing error is read as a request
      }
    }
    return used;
  }

  // The head check, with what the stream knows of its peer by now (the
  // handshake of a TLS stream is done once a head has arrived).
  std::optional<HttpResponse> check(Connection *c) {
    if (c->peer.tls && c->peer.certificate_subject.empty())
      c->peer.certificate_subject = c->stream->peer_certificate_subject();
    try {
      return opt.check_head(c->parser.request(), c->peer);
    } catch (const std::exception &e) {
      spdlog::error("http: head check of {} failed: {}", c->parser.request().target, e.what());
      return errors(500, "internal error");
    }
  }

  // Answers a request refused from its head. Without a body the
  // connection goes on with the next request; with one, the body is never
  // read: the answer says the connection closes, and what the client still
  // sends is read and dropped (lingering close).
  size_t refuse_request(Connection *c, const HttpResponse &refusal, std::string_view data, size_t used) {
    const HttpRequest &req = c->parser.request();
    const bool complete = c->parser.status() == RequestParser::Status::kComplete;
    const bool close_after = !complete || !req.keep_alive || draining;
    c->out += serialize_response(refusal, req.method == "HEAD", close_after);
    c->parser.reset();
    c->head_checked = false;
    c->sent_continue = false;
    c->close_after = close_after;
    c->linger_after = !complete;
    set_phase(c, Phase::kWriting);
    if (!complete) {
      c->pending.clear();
      c->pending_off = 0;
      return data.size();
    }
    return used;
  }

  void dispatch(Connection *c) {
    Job job{c->id, std::move(c->parser.request()), c->peer};
    c->parser.reset();
    c->head_checked = false;
    c->sent_continue = false;
    c->close_after = !job.request.keep_alive || draining;
    set_phase(c, Phase::kHandling);
    {
      std::lock_guard<std::mutex> lock(jobs_mu);
      jobs.push_back(std::move(job));
    }
    jobs_cv.notify_one();
  }

  void take_completions() {
    std::vector<Completion> batch;
    {
      std::lock_guard<std::mutex> lock(done_mu);
      batch.swap(done);
    }
    for (auto &d : batch) {
      Connection *c = find(d.connection);
      if (!c) continue;  // the client went away meanwhile
      c->out += d.bytes;
      c->close_after |= d.close;
      set_phase(c, Phase::kWriting);
      drive(c);
    }
  }

  // The answer is out: next request, or the end of the connection. False
  // if the connection is gone.
  bool answered(Connection *c) {
    if (c->close_after) {
      if (!c->linger_after) {
        close(c);
        return false;
      }
      // The client may still be sending what we refused; closing now would
      // reset the connection and could destroy the answer before it is
      // read. Stop sending, read and drop for a while, then close.
      c->stream->shutdown_write();
      set_phase(c, Phase::kLingering);
      return true;
    }
    set_phase(c, c->pending_off < c->pending.size() ? Phase::kHead : Phase::kIdle);
    return true;
  }

  void discard(Connection *c) {
    for (int i = 0; i < 16 && c->readable; i++) {
      IoResult r = c->stream->read(buf, sizeof(buf));
      if (r.status == IoStatus::kWouldBlock) {
        c->readable = false;
        return;
      }
      if (r.status != IoStatus::kOk) return close(c);
    }
    if (c->readable) ready.push_back(c->id);
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorFormatter errors)
    : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
  impl_->errors = std::move(errors);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::add_listener(std::unique_ptr<Listener> listener) { impl_->listeners.push_back(std::move(listener)); }

void HttpServer::start() {
  impl_->now = Clock::now();
  impl_->start();
  impl_->started = true;
}

void HttpServer::stop() { impl_->stop(); }

}  // namespace polycube::http
