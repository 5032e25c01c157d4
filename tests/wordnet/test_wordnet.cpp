// WordNet's database read in place: index lines, noun synsets, noun lemmas, and the irregular forms' bases.
#include "wordnet/wordnet.h"

#include "core/core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

using namespace neuroseed;

TEST(WordNet, IsReadInPlaceAndADamagedOffsetIsAnError) {
    const auto & wn       = WordNet::get();
    auto         clarinet = wn.entry(WordNet::Pos::noun, "clarinet");
    ASSERT_TRUE(clarinet.has_value());
    ASSERT_FALSE(clarinet->senses.empty());
    auto synset = wn.noun_synset(clarinet->senses[0]);
    EXPECT_NE(std::find(synset.words.begin(), synset.words.end(), "clarinet"), synset.words.end());
    EXPECT_FALSE(wn.entry(WordNet::Pos::noun, "qwertyzz").has_value());
    EXPECT_FALSE(wn.entry(WordNet::Pos::verb, "clarinet").has_value());
    EXPECT_GT(wn.entry(WordNet::Pos::adj, "nice")->tagged, wn.entry(WordNet::Pos::noun, "nice")->tagged);
    // An offset inside a line, or past the file, names no synset.
    EXPECT_THROW(wn.noun_synset(clarinet->senses[0] + 3), Error);
    EXPECT_THROW(wn.noun_synset(UINT32_MAX), Error);
    EXPECT_EQ(wn.noun_lemma("martial arts"), "martial_art");
    EXPECT_EQ(wn.noun_lemma("countries"), "country");
    EXPECT_EQ(wn.noun_lemma("qwertyzz"), "");
}

TEST(WordNet, IrregularFormsGoToTheirBaseUnlessTheFormIsANounOfItsOwn) {
    const auto & wn = WordNet::get();
    EXPECT_EQ(wn.irregular_base("went"), "go");
    EXPECT_EQ(wn.irregular_base("won"), "win") << "won is also a currency, a sense SemCor never saw";
    EXPECT_EQ(wn.irregular_base("bought"), "buy");
    EXPECT_EQ(wn.irregular_base("children"), "child");
    EXPECT_EQ(wn.irregular_base("saw"), "see");
    // "ground" as a noun and a verb of its own is used more than "grind", so it stays itself.
    EXPECT_EQ(wn.irregular_base("ground"), "");
    // Regular forms and unknown words have no entry; collocations are not words.
    EXPECT_EQ(wn.irregular_base("walked"), "");
    EXPECT_EQ(wn.irregular_base("qwertyzz"), "");
    EXPECT_EQ(wn.irregular_base("went_deep"), "") << "verb.exc lists it, under go_deep";
    // A form that is a noun of its own keeps itself, so that its plural stays its term.
    EXPECT_EQ(wn.irregular_base("rose"), "") << "a flower before it is a rising";
    EXPECT_EQ(wn.irregular_base("left"), "");
    EXPECT_EQ(wn.irregular_base("data"), "") << "as used as datum";
    EXPECT_EQ(wn.irregular_base("men"), "man");
    // A possessive is its word's.
    EXPECT_EQ(wn.irregular_base("children's"), "child");
    EXPECT_EQ(wn.irregular_base("men's"), "man");
}
