// Time expressions in English and Russian questions, resolved against a reference date. ICU regular
// expressions (case-insensitive, Unicode word boundaries) find them; std::chrono's calendar does the arithmetic.
#include "core/core.h"
#include "input/input.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <map>
#include <memory>

namespace neuroseed {

namespace {

using namespace std::chrono;

std::string iso(year_month_day d) {
    return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                       static_cast<unsigned>(d.day()));
}

year_month_day parse_date(const std::string & s) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%d", &y, &m, &d) == 3) {
        year_month_day out{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
        if (out.ok()) return out;
    }
    throw Error(ErrorKind::invalid_input, "reference date", "expected YYYY-MM-DD, got '" + s + "'");
}

year_month_day today_utc() {
    return year_month_day{floor<days>(system_clock::now())};
}

year_month_day add_days(year_month_day d, int n) {
    return year_month_day{sys_days{d} + days{n}};
}

// [first day of the month, first day of the next)
std::pair<year_month_day, year_month_day> month_window(year y, month m) {
    year_month_day first{y, m, day{1}};
    return {first, year_month_day{first + months{1}}};
}

int number_word(const std::string & w) {
    static const std::map<std::string, int> words = {
        {"a", 1},     {"an", 1},    {"one", 1},    {"two", 2},    {"three", 3},   {"four", 4},   {"five", 5},
        {"six", 6},   {"seven", 7}, {"eight", 8},  {"nine", 9},   {"ten", 10},    {"few", 3},    {"couple", 2},
        {"один", 1},  {"одну", 1},  {"два", 2},    {"две", 2},    {"три", 3},     {"четыре", 4}, {"пять", 5},
        {"шесть", 6}, {"семь", 7},  {"восемь", 8}, {"девять", 9}, {"десять", 10}, {"пару", 2},   {"несколько", 3}};
    if (w.empty()) return 1;
    if (std::isdigit(static_cast<unsigned char>(w[0]))) return std::atoi(w.c_str());
    auto it = words.find(w);
    return it == words.end() ? 1 : it->second;
}

// Month number from an English name or any Russian case form ("мая", "мае", "июнь").
int month_of(const std::string & w) {
    static const char * en[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    static const char * ru[] = {"янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"};
    for (int i = 0; i < 12; ++i) {
        if (w.rfind(en[i], 0) == 0) return i + 1;
    }
    for (int i = 0; i < 12; ++i) {
        if (w.rfind(ru[i], 0) == 0) return i + 1;
    }
    return 0;
}

// Days in a unit word ("weeks", "недели", "лет").
int unit_days(const std::string & w) {
    if (w.rfind("day", 0) == 0 || w.rfind("дн", 0) == 0 || w.rfind("ден", 0) == 0) return 1;
    if (w.rfind("week", 0) == 0 || w.rfind("недел", 0) == 0) return 7;
    if (w.rfind("month", 0) == 0 || w.rfind("месяц", 0) == 0) return 30;
    if (w.rfind("year", 0) == 0 || w.rfind("год", 0) == 0 || w.rfind("лет", 0) == 0) return 365;
    return 0;
}

const char * kMonthEn =
    "(january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)";
const char * kMonthRu =
    "(январ[ьяе]|феврал[ьяе]|март[аеу]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[аеу]?|"
    "сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])";
const char * kNumber =
    "(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple|один|одну|два|две|"
    "три|четыре|пять|шесть|семь|восемь|девять|десять|пару|несколько)";
const char * kUnitEn = "(days?|weeks?|months?|years?)";
const char * kUnitRu = "(дн[яей]+|день|недел[юиь]|месяц[аев]*|лет|год[а]?)";

enum class Kind {
    day_offset,  // today / yesterday
    this_unit,   // this week / в этом году
    last_unit,   // last week / в прошлом месяце
    ago,         // three weeks ago / три недели назад
    month_year,  // May 2024 / в мае 2024 / last May / in May
    date_dmy,    // 15.06.2025 / 15 June 2025 / 15 июня 2025
    date_iso,    // 2025-06-15
    year_only,   // in 2023 / в 2023 году
    relation,    // two weeks before X / за две недели до X / после X
};

struct Pattern {
    Kind        kind;
    std::string regex;
};

std::vector<Pattern> patterns() {
    using fmt::format;
    return {
        {Kind::relation,
         format("\\b(?:(?:{0}\\s+{1}|a\\s+while)\\s+)?(before|after)\\s+(?:the\\s+)?([^?.!,;]+)", kNumber, kUnitEn)},
        {Kind::relation, format("\\b(?:за\\s+{0}\\s+{1}\\s+)?(до|после)\\s+(?!того\\b)([^?.!,;]+)", kNumber, kUnitRu)},
        {Kind::date_iso, "\\b(\\d{4})-(\\d{2})-(\\d{2})\\b"},
        {Kind::date_dmy, "\\b(\\d{1,2})[./](\\d{1,2})[./](\\d{4})\\b"},
        {Kind::date_dmy, format("\\b(\\d{{1,2}})(?:st|nd|rd|th)?\\s+(?:of\\s+)?{0}\\s*,?\\s+(\\d{{4}})\\b", kMonthEn)},
        {Kind::date_dmy, format("\\b{0}\\s+(\\d{{1,2}})(?:st|nd|rd|th)?\\s*,?\\s+(\\d{{4}})\\b", kMonthEn)},
        {Kind::date_dmy, format("\\b(\\d{{1,2}})\\s+{0}\\s+(\\d{{4}})\\b", kMonthRu)},
        {Kind::day_offset, "\\b(today|yesterday|the day before yesterday|сегодня|вчера|позавчера)\\b"},
        {Kind::ago, format("\\b{0}?\\s*{1}\\s+(ago|назад)\\b", kNumber, kUnitEn)},
        {Kind::ago, format("\\b{0}?\\s*{1}\\s+(назад)", kNumber, kUnitRu)},
        {Kind::last_unit, "\\b(?:last|past|previous)\\s+(week|month|year)\\b"},
        {Kind::last_unit, "\\b(?:на|в)\\s+прош(?:лой|лом)\\s+(недел[еи]|месяце|году)"},
        {Kind::this_unit, "\\bthis\\s+(week|month|year)\\b"},
        {Kind::this_unit, "\\b(?:на|в)\\s+(?:этой|этом|текущем)\\s+(недел[еи]|месяце|году)"},
        {Kind::month_year, format("\\b(last|this|in|during)?\\s*{0}(?:\\s*,?\\s+(\\d{{4}}))?\\b", kMonthEn)},
        {Kind::month_year, format("(?:\\b(в|прошлым|этим)\\s+)?{0}(?:\\s+(\\d{{4}}))?(?:\\s+года)?", kMonthRu)},
        {Kind::year_only, "\\b(?:in|during|since|в|во)\\s+((?:19|20)\\d{2})\\b(?:\\s+году)?"},
    };
}

std::string group(icu::RegexMatcher & m, int g) {
    UErrorCode status = U_ZERO_ERROR;
    if (g > m.groupCount() || m.start(g, status) < 0) return "";
    std::string        out;
    icu::UnicodeString s = m.group(g, status);
    s.foldCase().toUTF8String(out);
    return out;
}

// Fills from/to for one match; false when the match names no usable time ("may" as a verb, a bad date).
bool resolve(Kind kind, icu::RegexMatcher & m, year_month_day ref, TimeExpression & t) {
    auto set = [&](year_month_day a, year_month_day b) {
        t.from = iso(a);
        t.to   = iso(b);
        return true;
    };
    switch (kind) {
        case Kind::day_offset: {
            std::string w = group(m, 1);
            int back      = w == "yesterday" || w == "вчера" ? 1 : w == "today" || w == "сегодня" ? 0 : 2;
            return set(add_days(ref, -back), add_days(ref, 1 - back));
        }
        case Kind::this_unit:
        case Kind::last_unit: {
            int  d    = unit_days(group(m, 1)) + (group(m, 1).rfind("году", 0) == 0 ? 0 : 0);
            bool last = kind == Kind::last_unit;
            auto ymd  = ref;
            if (d == 365) {
                year y = last ? ymd.year() - years{1} : ymd.year();
                return set({y, January, day{1}}, {y + years{1}, January, day{1}});
            }
            if (d == 30) {
                auto first = year_month{ymd.year(), ymd.month()} - months{last ? 1 : 0};
                return set(first / day{1}, (first + months{1}) / day{1});
            }
            if (d == 7) {
                weekday wd{sys_days{ymd}};
                int     since_monday = static_cast<int>((wd.c_encoding() + 6) % 7);
                auto    monday       = add_days(ymd, -since_monday - (last ? 7 : 0));
                return set(monday, add_days(monday, 7));
            }
            return false;
        }
        case Kind::ago: {
            int n = number_word(group(m, 1)), d = unit_days(group(m, 2));
            if (d == 0) return false;
            // "three weeks ago" means around then: a window of one unit centred on the point.
            auto point = add_days(ref, -n * d);
            return set(add_days(point, -d / 2 - 1), add_days(point, d / 2 + 2));
        }
        case Kind::month_year: {
            std::string lead = group(m, 1), name = group(m, 2), y = group(m, 3);
            int         mo = month_of(name);
            // "may" alone is far more often the verb: only "in/last May" or "May 2024" make it a month.
            if (mo == 0 || (name == "may" && lead.empty() && y.empty()) || (name == "mar" && y.empty())) return false;
            year yy = ref.year();
            if (!y.empty()) {
                yy = year{std::atoi(y.c_str())};
            } else {
                bool last = lead == "last" || lead == "прошлым";
                // The latest such month that has begun; "last May" in May means a year ago.
                if (month{static_cast<unsigned>(mo)} > ref.month() ||
                    (last && month{static_cast<unsigned>(mo)} == ref.month()))
                    yy -= years{1};
            }
            auto [a, b] = month_window(yy, month{static_cast<unsigned>(mo)});
            return set(a, b);
        }
        case Kind::date_iso:
        case Kind::date_dmy: {
            int y = 0, mo = 0, d = 0;
            if (kind == Kind::date_iso) {
                y = std::atoi(group(m, 1).c_str()), mo = std::atoi(group(m, 2).c_str()),
                d = std::atoi(group(m, 3).c_str());
            } else if (std::isdigit(static_cast<unsigned char>(group(m, 1)[0])) &&
                       std::isdigit(static_cast<unsigned char>(group(m, 2)[0]))) {
                d = std::atoi(group(m, 1).c_str()), mo = std::atoi(group(m, 2).c_str()),
                y = std::atoi(group(m, 3).c_str());
            } else if (std::isdigit(static_cast<unsigned char>(group(m, 1)[0]))) {
                d = std::atoi(group(m, 1).c_str()), mo = month_of(group(m, 2)), y = std::atoi(group(m, 3).c_str());
            } else {
                mo = month_of(group(m, 1)), d = std::atoi(group(m, 2).c_str()), y = std::atoi(group(m, 3).c_str());
            }
            year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
            if (!date.ok()) return false;
            return set(date, add_days(date, 1));
        }
        case Kind::year_only: {
            year y{std::atoi(group(m, 1).c_str())};
            return set({y, January, day{1}}, {y + years{1}, January, day{1}});
        }
        case Kind::relation: {
            std::string number = group(m, 1), unit = group(m, 2);
            t.relation  = group(m, 3) == "before" || group(m, 3) == "до" ? "before" : "after";
            t.span_days = unit.empty() ? 0 : number_word(number) * unit_days(unit);
            std::string event;
            UErrorCode  status = U_ZERO_ERROR;
            m.group(4, status).trim().toUTF8String(event);
            t.event = event;
            return !event.empty();
        }
    }
    return false;
}

}  // namespace

std::vector<TimeExpression> times_find(std::string_view text, const std::string & reference_date) {
    year_month_day     ref = reference_date.empty() ? today_utc() : parse_date(reference_date);
    icu::UnicodeString input =
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    std::vector<TimeExpression>              out;
    std::vector<std::pair<int32_t, int32_t>> taken;  // UTF-16 spans already claimed by an earlier pattern
    static const auto                        compiled = [] {
        std::vector<std::pair<Kind, std::unique_ptr<icu::RegexPattern>>> v;
        for (const auto & p : patterns()) {
            UErrorCode                         status = U_ZERO_ERROR;
            UParseError                        perr;
            std::unique_ptr<icu::RegexPattern> re(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(p.regex),
                                                                                                    UREGEX_CASE_INSENSITIVE, perr, status));
            if (U_FAILURE(status))
                throw Error(ErrorKind::internal, "time pattern", p.regex + ": " + u_errorName(status));
            v.emplace_back(p.kind, std::move(re));
        }
        return v;
    }();
    for (const auto & [kind, re] : compiled) {
        UErrorCode                         status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> m(re->matcher(input, status));
        while (U_SUCCESS(status) && m->find(status)) {
            int32_t a = m->start(status), b = m->end(status);
            if (b <= a) continue;
            bool overlaps = false;
            for (auto [x, y] : taken) overlaps = overlaps || (a < y && x < b);
            if (overlaps) continue;
            TimeExpression t;
            if (!resolve(kind, *m, ref, t)) continue;
            std::string prefix, matched;
            input.tempSubString(0, a).toUTF8String(prefix);
            input.tempSubString(a, b - a).trim().toUTF8String(matched);
            t.text   = matched;
            t.offset = prefix.size();
            taken.emplace_back(a, b);
            out.push_back(std::move(t));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto & x, const auto & y) { return x.offset < y.offset; });
    return out;
}

}  // namespace neuroseed
