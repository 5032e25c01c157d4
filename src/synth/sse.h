// Internal to synth/: reads the openai backend's replies — the Server-Sent Events framing of a streamed reply
// as it arrives, and the chat-completion JSON in each event or in a whole body.
//
// Bytes come from the network in pieces split anywhere: inside a field name, a JSON string, a UTF-8 character
// or a "\r\n". The reader keeps the unfinished line and hands out an event only once its blank line has
// arrived, so event data is always whole. JSON strings decode to whole UTF-8 characters (the parser rejects
// ill-formed bytes and lone surrogates), so every text piece read from an event is whole characters too.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace neuroseed {

// One event: its "data:" lines joined with "\n", and where it starts, for error messages.
struct SseEvent {
    std::string data;
    size_t      index  = 0;  // 1-based, counting events that carry data
    size_t      offset = 0;  // byte offset of the event's first data line in the stream
};

// Splits a stream into events as the SSE specification says: lines end with "\n", "\r\n" or "\r"; an event
// ends at a blank line; lines starting with ":" are comments; fields other than "data" are ignored, and an
// event without data is not dispatched.
class SseReader {
  public:
    // Returns false to stop reading.
    using EventFn = std::function<bool(const SseEvent & event)>;

    explicit SseReader(EventFn on_event) : on_event_(std::move(on_event)) {}

    // Reads the next bytes of the stream. Returns false once on_event has returned false (the rest of these
    // bytes is not read).
    bool feed(std::string_view bytes);
    // The stream has ended: dispatches an event whose blank line never came (a sender that closed after its
    // last "data:" line). Returns what on_event returned, or true when there was nothing to dispatch.
    bool finish();

    size_t bytes() const { return offset_; }  // bytes read so far

  private:
    bool line_end();  // handles line_, a whole line without its terminator
    bool dispatch();

    EventFn     on_event_;
    std::string line_;                 // the line being read, up to the last byte fed
    size_t      line_offset_ = 0;      // stream offset of line_'s first byte
    size_t      offset_      = 0;      // stream offset of the next byte fed
    bool        after_cr_    = false;  // the last line ended with "\r": a "\n" that follows belongs to it
    bool        stopped_     = false;
    SseEvent    event_;  // the event being read
    bool        event_has_data_ = false;
    size_t      events_         = 0;
};

// What an OpenAI chat-completions reply has said so far: a whole body, or a stream's chunks read one by one.
struct ChatReply {
    std::string model;          // as the server names it ("" when it does not)
    std::string finish_reason;  // of the first choice: "stop", "length", ... ("" until the server says)
    bool        has_choices       = false;
    bool        done              = false;  // the stream's "data: [DONE]"
    bool        has_usage         = false;
    size_t      prompt_tokens     = 0;
    size_t      completion_tokens = 0;
};

// Reads one event of a streamed reply and returns its text (choices[0].delta.content; "" when it has none).
// Throws Error(invalid_input) naming `url`, the event and its byte offset when the event is not a chat
// completion chunk, and Error(unavailable), or Error(invalid_input) for a 4xx code, when it reports an error.
std::string chat_chunk_read(const SseEvent & event, const std::string & url, ChatReply & reply);

// Reads a whole reply (not streamed) and returns its text (choices[0].message.content). Throws as
// chat_chunk_read does, and Error(invalid_input) for a reply without choices.
std::string chat_body_read(std::string_view body, const std::string & url, ChatReply & reply);

// The message in a server's error body: {"error":{"message":...}}, {"error":"..."} or {"message":...}; else
// the start of the body itself.
std::string chat_error_message(std::string_view body);

}  // namespace neuroseed
