// The journal on its own: records come back in order after a restart, a
// torn or corrupt tail is cut off and never applied (the records before it
// survive, the next append follows them), a compaction folds the journal
// into a snapshot without losing what is appended meanwhile, and writers
// waiting together share flushes (group commit).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "journal.h"

using namespace polycube::daemon;

namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = "/tmp/pt" + std::to_string(getpid()) + "-journal";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    prefix = dir + "/config";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::vector<std::string> payloads(const Journal::Loaded &l) {
    std::vector<std::string> out;
    for (const auto &r : l.records) out.push_back(r.payload);
    return out;
  }
  size_t size_of(const std::string &path) { return std::filesystem::file_size(path); }

  std::string dir, prefix;
};

TEST_F(JournalTest, RecordsComeBackInOrderWithTheirSequence) {
  {
    Journal j(prefix);
    EXPECT_TRUE(j.load().records.empty());
    for (const char *p : {"a", "bb", "ccc"}) j.wait_durable(j.append(p));
    EXPECT_EQ(j.last_seq(), 3u);
  }
  Journal j(prefix);
  auto l = j.load();
  EXPECT_FALSE(l.has_snapshot);
  EXPECT_EQ(payloads(l), (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(l.records.back().seq, 3u);
  EXPECT_EQ(l.dropped_bytes, 0u);
  EXPECT_EQ(j.append("d"), 4u);
}

TEST_F(JournalTest, ATornLastRecordIsDroppedAndCutOff) {
  {
    Journal j(prefix);
    j.load();
    for (const char *p : {"first", "second", "third record, torn by a crash"}) j.wait_durable(j.append(p));
  }
  // The last record lost its tail (power loss before the page reached the
  // disk): its last bytes read as the zeros written ahead of it.
  size_t end = 0;
  uint64_t seq = 0;
  for (const char *p : {"first", "second", "third record, torn by a crash"}) end += frame_record(++seq, p).size();
  ASSERT_GT(size_of(prefix + ".journal"), end);  // zeros written ahead
  {
    std::fstream f(prefix + ".journal", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(end - 7));
    f.write("\0\0\0\0\0\0\0", 7);
  }
  {
    Journal j(prefix);
    auto l = j.load();
    EXPECT_EQ(payloads(l), (std::vector<std::string>{"first", "second"}));
    EXPECT_GT(l.dropped_bytes, 0u);
    // Cut off, and the next record follows the intact ones.
    EXPECT_EQ(j.append("third again"), 3u);
  }
  Journal j(prefix);
  auto l = j.load();
  EXPECT_EQ(payloads(l), (std::vector<std::string>{"first", "second", "third again"}));
  EXPECT_EQ(l.dropped_bytes, 0u);
}

TEST_F(JournalTest, ACorruptRecordEndsTheJournalThere) {
  {
    Journal j(prefix);
    j.load();
    for (const char *p : {"one", "two", "three"}) j.wait_durable(j.append(p));
  }
  // Flip a byte of the second record's payload: its checksum no longer
  // matches, so neither it nor what follows may be applied.
  std::string data;
  {
    std::ifstream in(prefix + ".journal", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  }
  auto at = data.find("two");
  ASSERT_NE(at, std::string::npos);
  data[at] = 'T';
  std::ofstream(prefix + ".journal", std::ios::binary | std::ios::trunc) << data;
  Journal j(prefix);
  auto l = j.load();
  EXPECT_EQ(payloads(l), (std::vector<std::string>{"one"}));
  EXPECT_GT(l.dropped_bytes, 0u);
}

TEST_F(JournalTest, CompactionKeepsWhatIsAppendedMeanwhile) {
  {
    Journal j(prefix);
    j.load();
    j.wait_durable(j.append("r1"));
    j.wait_durable(j.append("r2"));
    j.compact("config at 2");
    j.wait_durable(j.append("r3"));  // while (or after) the snapshot is written
    j.wait_compaction();
    j.wait_durable(j.append("r4"));
  }
  EXPECT_FALSE(std::filesystem::exists(prefix + ".journal.old"));
  Journal j(prefix);
  auto l = j.load();
  ASSERT_TRUE(l.has_snapshot);
  EXPECT_EQ(l.snapshot.payload, "config at 2");
  EXPECT_EQ(l.snapshot.seq, 2u);
  EXPECT_EQ(payloads(l), (std::vector<std::string>{"r3", "r4"}));
}

TEST_F(JournalTest, ACrashBeforeTheOldJournalGoesReplaysNothingTwice) {
  // The snapshot is in place but the set-aside journal is still there
  // (killed between the rename and the unlink): its records are in the
  // snapshot and must be skipped by sequence.
  {
    Journal j(prefix);
    j.load();
    j.wait_durable(j.append("r1"));
    j.wait_durable(j.append("r2"));
    j.compact("config at 2");
    j.wait_compaction();
    j.wait_durable(j.append("r3"));
  }
  {
    Journal j(prefix);  // an old journal put back as if never unlinked
    std::ofstream(prefix + ".journal.old", std::ios::binary) << frame_record(1, "r1") << frame_record(2, "r2");
  }
  Journal j(prefix);
  auto l = j.load();
  EXPECT_EQ(l.snapshot.payload, "config at 2");
  EXPECT_EQ(payloads(l), (std::vector<std::string>{"r3"}));
}

TEST_F(JournalTest, OneFlushServesEveryRecordAppendedBeforeIt) {
  Journal j(prefix);
  j.load();
  // Three writers appended (under the daemon's lock, one after the other)
  // and wait: the first to flush makes all three durable.
  uint64_t a = j.append("a"), b = j.append("b"), c = j.append("c");
  j.wait_durable(c);
  j.wait_durable(a);
  j.wait_durable(b);
  EXPECT_EQ(j.flushes(), 1u);
  // Many writers at once: every record durable, never more flushes than
  // records.
  const int writers = 8, each = 50;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; w++)
    threads.emplace_back([&] {
      for (int i = 0; i < each; i++) j.wait_durable(j.append(std::string(100, 'x')));
    });
  for (auto &t : threads) t.join();
  EXPECT_EQ(j.last_seq(), static_cast<uint64_t>(3 + writers * each));
  EXPECT_LE(j.flushes(), static_cast<uint64_t>(1 + writers * each));
  Journal again(prefix);
  EXPECT_EQ(again.load().records.size(), static_cast<size_t>(3 + writers * each));
}

}  // namespace
