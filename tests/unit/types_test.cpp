// Parsing of the small value types users type: modes, stack positions, MACs.
#include <gtest/gtest.h>

#include "polycube/error.h"
#include "polycube/mac.h"
#include "polycube/types.h"

using namespace polycube;

TEST(Mode, ParsesTheThreeModesAndRejectsOthers) {
  EXPECT_EQ(mode_from_string("TC"), Mode::kTc);
  EXPECT_EQ(mode_from_string("XDP_SKB"), Mode::kXdpSkb);
  EXPECT_EQ(mode_from_string("XDP_DRV"), Mode::kXdpDrv);
  for (const char *bad : {"tc", "XDP", "", "TC "}) {
    try {
      mode_from_string(bad);
      FAIL() << bad;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalid);
      EXPECT_NE(std::string(e.what()).find("XDP_SKB"), std::string::npos);  // says what is valid
    }
  }
  EXPECT_FALSE(is_xdp(Mode::kTc));
  EXPECT_TRUE(is_xdp(Mode::kXdpDrv));
  EXPECT_STREQ(to_string(Mode::kXdpSkb), "XDP_SKB");
}

TEST(Position, ParsesFirstLastBeforeAfter) {
  EXPECT_EQ(Position::parse("").kind, Position::kLast);
  EXPECT_EQ(Position::parse("last").kind, Position::kLast);
  EXPECT_EQ(Position::parse("first").kind, Position::kFirst);
  Position b = Position::parse("before:fw1");
  EXPECT_EQ(b.kind, Position::kBefore);
  EXPECT_EQ(b.other, "fw1");
  Position a = Position::parse("after:nat.2");
  EXPECT_EQ(a.kind, Position::kAfter);
  EXPECT_EQ(a.other, "nat.2");
  for (const char *bad : {"middle", "before:", "after", "First"})
    EXPECT_THROW(Position::parse(bad), Error) << bad;
}

TEST(ErrorCode, NamesAreStable) {
  // The daemon maps these names to RESTCONF error tags; keep them fixed.
  EXPECT_STREQ(to_string(ErrorCode::kInvalid), "invalid-value");
  EXPECT_STREQ(to_string(ErrorCode::kNotFound), "not-found");
  EXPECT_STREQ(to_string(ErrorCode::kExists), "exists");
  EXPECT_STREQ(to_string(ErrorCode::kInUse), "in-use");
  EXPECT_STREQ(to_string(ErrorCode::kUnsupported), "unsupported");
  EXPECT_STREQ(to_string(ErrorCode::kKernel), "kernel");
  EXPECT_NO_THROW(check_kernel(0, "ok"));
  try {
    check_kernel(-ENOENT, "lookup");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::kKernel);
    EXPECT_EQ(std::string(e.what()), "lookup: No such file or directory");
  }
}

TEST(Mac, ColonFormBytesAndRejects) {
  EXPECT_EQ(mac_from_string("02:aB:00:10:ff:01"), 0x02ab0010ff01ull);
  EXPECT_EQ(mac_to_string(0x02ab0010ff01ull), "02:ab:00:10:ff:01");
  uint8_t b[6];
  mac_to_bytes(0x02ab0010ff01ull, b);
  EXPECT_EQ(b[0], 0x02);
  EXPECT_EQ(b[5], 0x01);
  EXPECT_EQ(mac_from_bytes(b), 0x02ab0010ff01ull);
  for (const char *bad : {"", "02:ab:00:10:ff", "02:ab:00:10:ff:01:02", "02-ab-00-10-ff-01", "02:ab:00:10:ff:0g",
                          "02:ab:00:10:ff:01 "}) {
    try {
      mac_from_string(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalid) << bad;
    }
  }
}
