// What keeps a pack safe: names from user content cannot leave --out, a failure or kill -9 mid-compile leaves
// the previous pack whole, an incremental compile equals a cold one byte for byte, pack_read() catches a
// tampered file, superseded messages stay out, and the CLI's compile and weigh --pack agree with the manifest.
#include "compile/compile.h"
#include "compile_support.h"
#include "core/core.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

using namespace neuroseed;
using namespace neuroseed::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> staging_leftovers(const fs::path & parent) {
    std::vector<std::string> out;
    for (const auto & e : fs::directory_iterator(parent)) {
        std::string name = e.path().filename().string();
        if (name.find(".neuroseed-") != std::string::npos) out.push_back(name);
    }
    return out;
}

// A vault of `notes` markdown notes on a few topics, plus the two sample notes.
void vault_write(const fs::path & dir, int notes) {
    const char * topics[][4] = {{"garden", "tomatoes", "compost", "greenhouse"},
                                {"violin", "rehearsal", "orchestra", "melody"},
                                {"память", "модель", "перенос", "контекст"},
                                {"startup", "investors", "pricing", "roadmap"}};
    for (int n = 0; n < notes; ++n) {
        const auto * t    = topics[n % 4];
        std::string  text = fmt::format("# Note {}\n\n", n);
        for (int p = 0; p < 6; ++p) {
            text += fmt::format(
                "The {} and the {} matter here, paragraph {} of note {}. We always talk about {} with "
                "{} because the {} needs care.\n\n",
                t[p % 4], t[(p + 1) % 4], p, n, t[(p + 2) % 4], t[(p + 3) % 4], t[p % 4]);
        }
        file_write(dir / fmt::format("note-{:02}.md", n), text);
    }
    for (const auto & e : fs::directory_iterator(data_path("vault-utf8")))
        fs::copy_file(e.path(), dir / e.path().filename());
}

}  // namespace

TEST(FileNameSanitize, NoNameLeavesItsFolder) {
    for (std::string name :
         std::vector<std::string>{"../../etc/passwd", "a/b\\c", "", "..", ".", "/", "CON", "con.txt", "Lpt1", "nul ",
                                  std::string("tab\there\x01\x7f\n"), std::string("a\0b", 3), "  .hidden. ",
                                  "what?<is>*this|:\"", "\xc2\x85next"}) {
        std::string s = file_name_sanitize(name);
        EXPECT_FALSE(s.empty()) << name;
        EXPECT_EQ(s.find('/'), std::string::npos) << name;
        EXPECT_EQ(s.find('\\'), std::string::npos) << name;
        EXPECT_EQ(s.find(".."), std::string::npos) << name;
        EXPECT_NE(s.front(), '.') << name;
        for (char c : s) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << name;
        EXPECT_EQ(s.find("\xc2\x85"), std::string::npos) << "C1 control in " << name;
        EXPECT_TRUE(utf8_valid(s));
        std::string lower = s;
        for (auto & c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const char * reserved : {"con", "con.txt", "lpt1", "nul"}) EXPECT_NE(lower, reserved) << name;
    }
    EXPECT_EQ(file_name_sanitize("a/b\\c"), "a_b_c");
    EXPECT_EQ(file_name_sanitize(""), "untitled");
    EXPECT_EQ(file_name_sanitize("Заметка о памяти"), "Заметка о памяти") << "ordinary names stay as they are";

    std::string long_name;
    for (int i = 0; i < 100; ++i) long_name += "я";  // 200 bytes, 2 per character
    long_name += "z";
    std::string cut = file_name_sanitize(long_name, 81);
    EXPECT_LE(cut.size(), 81u);
    EXPECT_EQ(cut.size(), 80u) << "cut at the last whole character";
    EXPECT_TRUE(utf8_valid(cut));
    EXPECT_TRUE(utf8_valid(file_name_sanitize(std::string("\xff\xfe bad bytes"))));
}

TEST(Compile, HostileNoteTitleGivesAChunkInsideRag) {
    TempDir tmp;
    Store   store((tmp / "store").string());
    conversation_add(store, "../../evil",
                     {{"User", "Where does this chunk go when the title climbs out?", ""},
                      {"Assistant", "It stays inside the pack, in rag.", ""}});
    conversation_add(store, "/abs/CON", {{"User", "And an absolute, reserved name?", ""}});
    index_build(store, *qwen_vocab(), {});
    fs::create_directories(tmp / "out" / "deep");
    compile_into(store, tmp / "out" / "deep" / "pack");
    auto files = pack_files(tmp / "out");
    ASSERT_FALSE(files.empty());
    size_t chunks = 0;
    for (const auto & [path, bytes] : files) {
        EXPECT_EQ(path.rfind("deep/pack/", 0), 0u) << path << " escaped the pack";
        if (path.rfind("deep/pack/rag/0", 0) == 0) {
            ++chunks;
            EXPECT_EQ(fs::path(path).parent_path(), "deep/pack/rag");
        }
    }
    EXPECT_EQ(chunks, 2u);
    EXPECT_TRUE(fs::exists(tmp / "out" / "deep" / "pack" / "rag" / "0001-_._evil.md") ||
                fs::exists(tmp / "out" / "deep" / "pack" / "rag" / "0002-_._evil.md"));
    EXPECT_FALSE(fs::exists(tmp / "evil"));
    EXPECT_EQ(staging_leftovers(tmp / "out" / "deep").size(), 0u);
}

TEST(Compile, IncrementalCompileEqualsAColdOneAndReusesUnchangedChunks) {
    TempDir tmp;
    vault_write(tmp / "vault", 16);
    Store store((tmp / "store").string());
    import_paths(store, {(tmp / "vault").string()}, {});
    index_build(store, *qwen_vocab(), {});
    CompileOptions o;
    o.chunk_tokens = 200;
    auto first     = compile_into(store, tmp / "pack", o);
    EXPECT_EQ(first.files_reused, 0u);
    ASSERT_GT(first.chunks, 20u);

    // Change one note: re-import it and re-index.
    std::string note = file_read(tmp / "vault" / "note-05.md");
    file_write(tmp / "vault" / "note-05.md", note + "A new paragraph about the melody and the rehearsal.\n");
    import_paths(store, {(tmp / "vault").string()}, {});
    index_build(store, *qwen_vocab(), {});

    auto again = compile_into(store, tmp / "pack", o);
    auto cold  = compile_into(store, tmp / "cold", o);
    EXPECT_EQ(pack_files(tmp / "pack"), pack_files(tmp / "cold")) << "incremental and cold packs differ";
    EXPECT_EQ(cold.files_reused, 0u);
    EXPECT_GT(again.files_reused, again.files_written)
        << "most files reused: " << again.files_reused << " reused, " << again.files_written << " written";
    EXPECT_GT(again.files_reused, again.chunks / 2);
    EXPECT_EQ(staging_leftovers(tmp.path()).size(), 0u);

    // A reused chunk edited by hand in the previous pack is not trusted: it is cut again.
    std::string index = file_read(tmp / "pack" / "rag" / "index.jsonl");
    std::string path  = nlohmann::json::parse(index.substr(0, index.find('\n')))["path"];
    file_write(tmp / "pack" / path, file_read(tmp / "pack" / path) + "edited\n");
    compile_into(store, tmp / "pack", o);
    EXPECT_EQ(pack_files(tmp / "pack"), pack_files(tmp / "cold"));
}

TEST(Compile, FailureMidCompileLeavesThePreviousPackWhole) {
    TempDir tmp;
    compile_into(sample_store(), tmp / "pack");
    auto before = pack_files(tmp / "pack");

    CompileOptions o;
    o.out           = (tmp / "pack").string();
    o.system_budget = 1000;
    size_t calls    = 0;
    EXPECT_THROW(compile(sample_store(), *qwen_vocab(), o,
                         [&](size_t done, size_t, const std::string &) {
                             calls = done;
                             if (done == 4) throw std::runtime_error("simulated failure after four files");
                         }),
                 std::runtime_error);
    EXPECT_EQ(calls, 4u);
    EXPECT_EQ(pack_files(tmp / "pack"), before) << "the previous pack changed";
    EXPECT_TRUE(staging_leftovers(tmp.path()).empty()) << "the staging folder was left behind";

    // What a kill -9 leaves (a staging folder of a process that is gone) is removed by the next compile.
    fs::path stale = tmp / ".pack.neuroseed-staging-4194000";
    file_write(stale / "rag" / "0001-x.md", "half");
    auto r = compile(sample_store(), *qwen_vocab(), o);
    EXPECT_GT(r.files_written, 0u);
    EXPECT_TRUE(staging_leftovers(tmp.path()).empty());
    EXPECT_EQ(json_file(tmp / "pack" / "manifest.json")["options"]["system_budget"], 1000);
}

TEST(Compile, OutFolderHoldingSomethingElseIsRefused) {
    TempDir tmp;
    file_write(tmp / "mine" / "thesis.txt", "do not delete");
    try {
        compile_into(sample_store(), tmp / "mine");
        FAIL() << "compiled over a folder of other files";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    }
    EXPECT_EQ(file_read(tmp / "mine" / "thesis.txt"), "do not delete");
}

TEST(PackRead, ReadsWhatCompileWroteAndCatchesATamperedFile) {
    TempDir tmp;
    auto    report = compile_into(sample_store(), tmp / "pack");
    Pack    pack   = pack_read((tmp / "pack").string());
    auto    core   = json_file(tmp / "pack" / "core.json");
    EXPECT_EQ(pack.control_phrase, core["control_phrase"].get<std::string>());
    EXPECT_EQ(pack.system_prompt_chatml, file_read(tmp / "pack" / "system_prompt.chatml"));
    EXPECT_EQ(pack.system_budget, 3000u);
    EXPECT_EQ(pack.core_tokens, report.core_tokens);
    EXPECT_EQ(pack.rag_tokens, report.rag_tokens);
    EXPECT_EQ(pack.corpus_tokens, report.corpus_tokens);
    ASSERT_EQ(pack.chunks.size(), report.chunks);
    for (const auto & c : pack.chunks) {
        EXPECT_EQ(c.text, chunk_text(file_read(tmp / "pack" / c.path)));
        EXPECT_EQ(c.tokens, qwen_vocab()->count(c.text));
        EXPECT_FALSE(c.zone.empty());
    }

    auto expect_corrupt = [&](const std::string & about) {
        try {
            pack_read((tmp / "pack").string());
            ADD_FAILURE() << about << " was not noticed";
        } catch (const Error & e) {
            EXPECT_EQ(e.kind(), ErrorKind::corrupt) << about;
        }
    };
    std::string chunk = file_read(tmp / "pack" / pack.chunks[0].path);
    chunk[chunk.size() / 2] ^= 0x01;
    file_write(tmp / "pack" / pack.chunks[0].path, chunk);
    expect_corrupt("a flipped bit in a chunk");
    try {
        pack_read((tmp / "pack").string());
    } catch (const Error & e) {
        EXPECT_NE(e.where().find(pack.chunks[0].path), std::string::npos) << e.where();
        EXPECT_NE(std::string(e.what()).find("hash mismatch"), std::string::npos) << e.what();
    }
    compile_into(sample_store(), tmp / "pack");  // repaired: the edited chunk is not reused
    EXPECT_NO_THROW(pack_read((tmp / "pack").string()));
    fs::remove(tmp / "pack" / "core.yaml");
    expect_corrupt("a missing file");
    fs::remove(tmp / "pack" / "manifest.json");
    expect_corrupt("a missing manifest");
}

TEST(Compile, SupersededMessagesStayOutOfThePack) {
    TempDir tmp;
    Store   store((tmp / "store").string());
    import_paths(store, {data_path("vault-mojibake").string()}, {});
    index_build(store, *qwen_vocab(), {});
    const std::string needle  = "Вот структура **Раздела 10.";
    int64_t           note_id = 0, message_id = 0;
    for (const auto & n : store.notes_list()) {
        for (const auto & m : store.note_message_rows(n.id)) {
            if (m.message.text.find(needle) != std::string::npos) note_id = n.id, message_id = m.id;
        }
    }
    ASSERT_NE(message_id, 0);
    compile_into(store, tmp / "before");
    bool in_lora = file_read(tmp / "before" / "lora" / "train.jsonl").find(needle) != std::string::npos ||
                   file_read(tmp / "before" / "lora" / "val.jsonl").find(needle) != std::string::npos;
    EXPECT_TRUE(in_lora) << "before it is superseded, the message is a LoRA example";

    store.write([&] { store.memory_supersede({"test", note_id, {message_id}}, "D999999"); });
    compile_into(store, tmp / "after");
    for (const auto & [path, bytes] : pack_files(tmp / "after")) {
        if (path == "manifest.json") continue;
        EXPECT_EQ(bytes.find(needle), std::string::npos) << path << " holds a superseded message";
    }
    auto manifest = json_file(tmp / "after" / "manifest.json");
    EXPECT_GT(manifest["corpus"]["superseded_units"].get<size_t>(), 0u);
    EXPECT_LT(manifest["coverage"]["rag"].get<double>(), 1.0);
    EXPECT_NE(manifest["control_phrase"], json_file(tmp / "before" / "manifest.json")["control_phrase"]);
}

TEST(CompileCli, CompilesAndWeighsThePackSideBySide) {
    TempDir tmp;
    auto    store = (tmp / "store").string();
    ASSERT_EQ(cli_run({"--store", store, "import", data_path("vault-mojibake").string()}).exit_code, 0);
    ASSERT_EQ(cli_run({"--store", store, "index"}).exit_code, 0);
    auto r = cli_run({"--store", store, "compile", "--out", (tmp / "pack").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = nlohmann::json::parse(r.out);
    EXPECT_GT(out["chunks"].get<size_t>(), 0u);
    EXPECT_LE(out["core_tokens"].get<size_t>(), 3000u);

    auto w = cli_run({"weigh", "--pack", (tmp / "pack").string(), "--json"});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    auto weights  = nlohmann::json::parse(w.out);
    auto manifest = json_file(tmp / "pack" / "manifest.json");
    EXPECT_EQ(weights["corpus"]["tokens"], manifest["weights"]["corpus_tokens"]);
    EXPECT_EQ(weights["rag"]["tokens"], manifest["weights"]["rag_tokens"]);
    EXPECT_EQ(weights["core"]["tokens"], manifest["weights"]["core_tokens"]);
    auto table = cli_run({"weigh", "--pack", (tmp / "pack").string()});
    EXPECT_NE(table.out.find("raw corpus"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("compressed core"), std::string::npos);

    auto bad = cli_run({"--store", store, "compile", "--out", (tmp / "small").string(), "--system-budget", "10"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--system-budget"), std::string::npos) << bad.err;
    auto none = cli_run({"weigh", "--pack", (tmp / "nowhere").string()});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("corrupt"), std::string::npos) << none.err;
}

TEST(CompileCli, KillNineMidCompileLeavesAWholePack) {
    TempDir tmp;
    for (int f = 0; f < 3; ++f) {
        std::string lines;
        for (int i = 0; i < 2000; ++i) {
            lines += fmt::format(
                "{{\"conversation\": \"c{}-{}\", \"role\": \"{}\", \"content\": \"Сообщение {} о "
                "долговременной памяти и модулях, memory line {} about roles and frames {}.\"}}\n",
                f, i / 40, i % 2 ? "assistant" : "user", i, i * 7 % 13, i % 17);
        }
        file_write(tmp / "in" / fmt::format("part-{}.jsonl", f), lines);
    }
    auto store = (tmp / "store").string();
    auto pack  = (tmp / "pack").string();
    ASSERT_EQ(cli_run({"--store", store, "import", (tmp / "in").string()}).exit_code, 0);
    ASSERT_EQ(cli_run({"--store", store, "index"}).exit_code, 0);
    auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(cli_run({"--store", store, "compile", "--out", pack, "--chunk-tokens", "400"}).exit_code, 0);
    auto full = std::chrono::steady_clock::now() - started;

    // Each kill lands somewhere in a compile with other options; the pack at --out is always one whole pack.
    for (double fraction : {0.3, 0.6, 0.85}) {
        int pid = cli_start({"--store", store, "compile", "--out", pack, "--chunk-tokens", "300"});
        std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::microseconds>(full * fraction));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        Pack p;
        ASSERT_NO_THROW(p = pack_read(pack)) << "kill at " << fraction;
        auto chunk_tokens = json_file(tmp / "pack" / "manifest.json")["options"]["chunk_tokens"].get<size_t>();
        EXPECT_TRUE(chunk_tokens == 400 || chunk_tokens == 300);
    }
    ASSERT_EQ(cli_run({"--store", store, "compile", "--out", pack, "--chunk-tokens", "300"}).exit_code, 0);
    EXPECT_TRUE(staging_leftovers(tmp.path()).empty());
    EXPECT_EQ(json_file(tmp / "pack" / "manifest.json")["options"]["chunk_tokens"], 300);
}
