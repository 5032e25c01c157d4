// The store's side of the Δ-log: deltas only inside a write, rolled back with it; forgotten bytes blanked in place.
#include "core/core.h"
#include "store/store.h"
#include "store/store_write.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

using namespace neuroseed;
using namespace neuroseed::test;

TEST(StoreDelta, AppendOutsideAWriteIsAProgrammerError) {
    TempDir tmp;
    Store   store(tmp.str());
    try {
        store.delta_append("add", "x", "{}");
        FAIL() << "a delta was appended outside a transaction";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::internal);
    }
    EXPECT_TRUE(store.deltas_list().empty());
}

TEST(StoreDelta, AWriteThatThrowsTakesItsDeltaWithIt) {
    TempDir tmp;
    Store   store(tmp.str());
    store.write([&] { store.delta_append("add", "D000001", "{}"); });
    EXPECT_THROW(store.write([&] {
        store.delta_append("add", "D000002", "{}");
        throw Error(ErrorKind::invalid_input, "", "changed my mind");
    }),
                 Error);
    auto log = store.deltas_list();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].code, "D000001");
    EXPECT_EQ(store.delta_code_next(), "D000002");
    EXPECT_EQ(log[0].hash, delta_hash(log[0]));
    Delta changed  = log[0];
    changed.detail = "{ }";
    EXPECT_NE(delta_hash(changed), log[0].hash) << "every field is covered by the hash";
}

TEST(StoreDelta, ForgottenBytesAreBlankedAndEveryOtherByteStaysPut) {
    std::string json    = R"({"a": {"text": "secret"}, "b": {"text": "kept"}})";
    size_t      begin   = json.find("{\"text\": \"secret\"}");
    size_t      end     = begin + std::string(R"({"text": "secret"})").size();
    std::string blanked = json;
    raw_blank(blanked, begin, end, "secret");
    EXPECT_EQ(blanked.size(), json.size());
    EXPECT_EQ(blanked.find("secret"), std::string::npos);
    EXPECT_EQ(blanked.substr(begin, 2), "{}") << "still a JSON object";
    EXPECT_EQ(blanked.substr(end), json.substr(end));

    std::string md = "# Day\nline one secret\nline two\n";
    raw_blank(md, 6, 22, "line one secret");
    EXPECT_EQ(md, "# Day\n               \nline two\n") << "line breaks kept";

    std::string no_range = "a secret and another secret";
    raw_blank(no_range, 0, 0, "secret");
    EXPECT_EQ(no_range, "a        and another       ");
}
