"""bot.intake: the questions, what counts as an answer, statements from the tracker's events."""

import yaml

from bot import PROJECT_ROOT, intake
from bot.conclusions import ConclusionEngine


def user(text, intent="inform", confidence=0.9, entities=()):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": list(entities)},
    }


def requested(slot):
    return {"event": "slot", "name": "requested_slot", "value": slot}


def slot_set(name, value):
    return {"event": "slot", "name": name, "value": value}


LOOP_ON = {"event": "active_loop", "name": "intake_form"}
LOOP_OFF = {"event": "active_loop", "name": None}


def test_questions_file_matches_the_form_in_the_domain():
    domain = yaml.safe_load((PROJECT_ROOT / "domain" / "intake.yml").read_text())
    assert list(intake.INTAKE_SLOTS) == domain["forms"]["intake_form"]["required_slots"]
    for slot in intake.INTAKE_SLOTS:
        assert f"action_ask_{slot}" in domain["actions"]
        assert "?" in intake.QUESTIONS[slot].question and intake.QUESTIONS[slot].why


def test_every_conclusion_maps_to_an_intake_question():
    assert set(intake.CONCLUSION_SLOTS) == {
        "uitleggen", "betrekken", "meerwaarde", "jong_talent", "rondkijken", "kennisinstellingen"
    }
    assert set(intake.CONCLUSION_SLOTS.values()) <= set(intake.INTAKE_SLOTS)


def test_statements_carry_the_question_they_answer():
    events = [
        user("we willen een cobot", entities=[{"entity": "technologie", "value": "cobot"}]),
        LOOP_ON,
        requested("betrokkenheid"),
        user("nee, nog niet", "deny"),
        user("wat is een 4.0-teamleider?", "ask_knowledge"),
        user("weet ik niet", "skip"),
        requested("rondkijken"),
        user("nee wacht, de operators zijn wel betrokken", "correct"),
    ]
    statements = intake.statements_from_events(events)
    assert [(s.text, s.slot) for s in statements] == [
        ("we willen een cobot", None),
        ("nee, nog niet", "betrokkenheid"),
        ("weet ik niet", "betrokkenheid"),  # a skip answers the question asked (and gives no evidence)
        ("nee wacht, de operators zijn wel betrokken", None),
    ]
    assert [s.turn for s in statements] == [1, 2, 4, 5]


def test_a_skip_tells_the_learned_layer_the_owner_does_not_know():
    """Blind REST s177: "geen idee eerlijk gezegd, ..." (NLU: skip) to the question what it brings the
    workers; left out of the statements, the learned layer read a gap into the answer about the work."""
    dont_know = "geen idee eerlijk gezegd, daar hebben we nog niet over nagedacht"
    answers = [
        ("motief", "minder stilstand. omstellingen en storingen willen we eerst virtueel simuleren "
         "voordat we aan de echte lijn gaan zitten", "inform"),
        ("fase", "orienterende fase nog, we zitten in een haalbaarheidsstudie", "inform"),
        ("verandering_werk", "dat weten we nog niet precies, misschien dat ze omstellingen eerst op "
         "een scherm gaan oefenen", "inform"),
        ("meerwaarde_medewerkers", dont_know, "skip"),
        ("arbeidsmarkt", "geen probleem met personeel", "inform"),
    ]
    events = [user("ik wil het hebben over een digital twin van een van onze spuitgietlijnen"), LOOP_ON]
    for slot, text, intent in answers:
        stored = intake.SKIPPED if intent == "skip" else text
        events += [requested(slot), user(text, intent), slot_set(slot, stored)]
    statements = intake.statements_from_events(events)
    assert (dont_know, "meerwaarde_medewerkers") in [(s.text, s.slot) for s in statements]
    engine = ConclusionEngine.from_file()
    assert engine.assess(statements).status("meerwaarde") == "onbekend"
    without_skip = [s for s in statements if not s.text.startswith("geen idee")]
    # the skip is what keeps the layer out (before session 14 the layer read a gap here; since the session-15
    # refit it no longer does on its own, so the mechanism is checked, not the layer's opinion)
    assert "meerwaarde" in engine.left_to_rules([(s.slot, s.text) for s in statements])
    assert "meerwaarde" not in engine.left_to_rules([(s.slot, s.text) for s in without_skip])


def test_an_answer_the_nlu_mislabelled_counts_for_the_question_the_form_stored_it_under():
    """The actions take a non-question labelled ask_knowledge/correct as the answer to the question
    just asked (SlotSet with the message's text); the assessment must see it as that answer too."""
    text = "ja, de schuurders hebben zelf 3 modellen uitgeprobeerd en het model gekozen"
    events = [
        LOOP_ON,
        requested("betrokkenheid"),
        user(text, "ask_knowledge", 1.0),
        {"event": "slot", "name": "betrokkenheid", "value": text},
        requested("verandering_werk"),
        user("wat is een 4.0-teamleider?", "ask_knowledge"),  # a real question: stored under no slot
        requested("verandering_werk"),
    ]
    statements = intake.statements_from_events(events)
    assert [(s.text, s.slot, s.turn) for s in statements] == [(text, "betrokkenheid", 1)]
    assessment = ConclusionEngine.from_file().assess(statements)
    assert assessment.status("betrekken") == "op_orde"  # "ja" to the involvement question counts


def test_restart_forgets_earlier_statements():
    events = [user("ik heb het alleen besloten"), {"event": "restart"}, user("we hebben een lasrobot")]
    assert [s.text for s in intake.statements_from_events(events)] == ["we hebben een lasrobot"]


def test_a_bare_yes_outside_the_form_says_nothing():
    events = [LOOP_OFF, user("ja", "affirm")]
    assert intake.statements_from_events(events) == []


def test_language_guard_fallback_is_not_an_answer():
    turn = intake.Turn("qwrtz pflumk", "nlu_fallback", 1.0)
    assert not turn.answers_question() and not turn.carries_content()
    classifier_fallback = intake.Turn("de jongens zitten er niet op te wachten", "nlu_fallback", 0.5)
    assert classifier_fallback.answers_question()


def test_the_asked_question_is_answered_or_skipped():
    engine = ConclusionEngine.from_file()
    filled = {}
    answer = intake.Turn("ik heb het zelf besloten", "inform", 0.9)
    assert intake.slots_from_turn(answer, "besluitvorming", filled, engine)["besluitvorming"] == answer.text
    skip = intake.Turn("sla over", "skip", 0.9)
    assert intake.slots_from_turn(skip, "leren", filled, engine) == {"leren": intake.SKIPPED}
    question = intake.Turn("wat is een fieldlab?", "ask_knowledge", 0.9)
    assert intake.slots_from_turn(question, "leren", filled, engine) == {}


def test_a_skip_with_evidence_in_it_is_an_answer():
    # blind REST conversations s71/s90: the NLU heard a skip in "voor hen niet zoveel eigenlijk" and "nee
    # nergens gekeken, daar is geen tijd voor"; the rules find a status there, so they answer the question
    engine = ConclusionEngine.from_file()
    for slot, text in [
        ("meerwaarde_medewerkers", "voor hen niet zoveel eigenlijk"),
        ("rondkijken", "nee nergens gekeken, daar is geen tijd voor"),
    ]:
        assert intake.slots_from_turn(intake.Turn(text, "skip", 0.6), slot, {}, engine) == {slot: text}
    for text in ("zien we dan wel", "weet ik niet, sla maar over"):
        assert intake.slots_from_turn(intake.Turn(text, "skip", 0.9), "leren", {}, engine) == {
            "leren": intake.SKIPPED
        }
    # and the statement counts: the form stored it as the answer
    text = "nee nergens gekeken, daar is geen tijd voor"
    events = [LOOP_ON, requested("rondkijken"), user(text, "skip"), slot_set("rondkijken", text)]
    assert [(s.slot, s.text) for s in intake.statements_from_events(events)] == [("rondkijken", text)]
    # a real skip is read too, as the answer to the question asked, and gives no evidence
    skip = user("zien we dan wel", "skip")
    skipped = [LOOP_ON, requested("leren"), skip, slot_set("leren", intake.SKIPPED)]
    statements = intake.statements_from_events(skipped)
    assert [(s.slot, s.text) for s in statements] == [("leren", "zien we dan wel")]
    assert set(engine.assess(statements).statuses.values()) == {"onbekend"}


def test_one_message_can_answer_several_questions():
    engine = ConclusionEngine.from_file()
    turn = intake.Turn(
        "We willen een cobot bij het inpakken omdat we geen mensen kunnen vinden",
        "inform",
        0.9,
        [{"entity": "technologie", "value": "cobot"}],
    )
    values = intake.slots_from_turn(turn, None, {}, engine)
    assert set(values) >= {"technologie", "motief"}
    already = intake.slots_from_turn(turn, None, {"technologie": "lasrobot"}, engine)
    assert "technologie" not in already
    # the work the technology is for is not the motive: the bot still asks why
    work = intake.Turn(
        "exoskeletten voor de mensen die de rollen stof op de snijtafel tillen",
        "inform",
        0.9,
        [{"entity": "technologie", "value": "exoskelet"}],
    )
    assert "motief" not in intake.slots_from_turn(work, None, {}, engine)


def test_an_opener_with_what_it_saves_or_who_decided_gives_motive_or_stage():
    # blind REST s160, s166, s167 (session 14): the writers expected these questions to be skipped
    engine = ConclusionEngine.from_file()

    def offered(text):
        turn = intake.Turn(text, "inform", 0.9, [])
        return set(intake.slots_from_turn(turn, None, {}, engine))

    assert "motief" in offered(
        "we willen vision camera's op de verpakkingslijn om de handmatige controle eruit te halen, "
        "scheelt ons zo'n 4 fte"
    )
    assert "fase" in offered("het MT heeft vorige week besloten een lasrobot te kopen voor de korven")
    assert "fase" in offered("we hebben een palletiseerrobot en het loopt voor geen meter, steeds storingen")
    # the work it is for is no motive, and a question who decided is no stage
    assert "motief" not in offered("we willen een cobot om de dozen op de pallet te stapelen")
    assert "fase" not in offered("wie heeft er eigenlijk besloten? daar gaat het om bij de cobot")


def test_a_long_opener_also_gives_the_stage():
    # blind REST conversation s35 (session 7): one long message answers most of the intake
    engine = ConclusionEngine.from_file()
    text = (
        "we zetten een cobot op het palletiseren. reden is het zware werk. het is besloten, de integrator "
        "bouwt hem deze zomer. ik heb in de kantine uitgelegd waarom en iedereen kon vragen stellen"
    )
    values = intake.slots_from_turn(intake.Turn(text, "inform", 0.9), None, {}, engine)
    assert {"motief", "fase", "besluitvorming"} <= set(values)
    plain = intake.Turn("we willen een cobot bij het inpakken", "inform", 0.9)
    assert "fase" not in intake.slots_from_turn(plain, None, {}, engine)


def test_next_question_follows_the_order():
    assert intake.next_question({}) == "technologie"
    filled = {slot: "x" for slot in intake.INTAKE_SLOTS[:3]}
    assert intake.next_question(filled) == intake.INTAKE_SLOTS[3]
    assert intake.next_question({slot: "x" for slot in intake.INTAKE_SLOTS}) is None


def test_next_question_goes_on_after_the_last_answer():
    filled = {slot: "x" for slot in intake.INTAKE_SLOTS[:5]}  # up to betrokkenheid
    filled["meerwaarde_medewerkers"] = "filed under the question after verandering_werk"
    # in order: the first open one
    assert intake.next_question(filled, "betrokkenheid") == "verandering_werk"
    # the owner's last answer was filed under meerwaarde_medewerkers: go on from there
    assert intake.next_question(filled, "meerwaarde_medewerkers") == "arbeidsmarkt"
    # at the end, the question passed over comes back
    rest = {**filled, **{slot: "x" for slot in intake.INTAKE_SLOTS[7:]}}
    assert intake.next_question(rest, "kennispartners") == "verandering_werk"
    assert intake.open_after(rest, "betrokkenheid") == ["verandering_werk"]


def test_last_answered_is_the_question_the_latest_answer_was_filed_under():
    events = [
        LOOP_ON,
        requested("arbeidsmarkt"),
        user("er staan drie vacatures open"),
        {"event": "slot", "name": "arbeidsmarkt", "value": "er staan drie vacatures open"},
        requested("leren"),
        user("wat is een fieldlab?", "ask_knowledge"),
    ]
    assert intake.last_answered(events) == "arbeidsmarkt"
    moved = events + [
        user("bij een collega gekeken hoe die het doet"),
        {"event": "slot", "name": "rondkijken", "value": "bij een collega gekeken hoe die het doet"},
    ]
    assert intake.last_answered(moved) == "rondkijken"
    assert intake.last_answered(moved + [{"event": "restart"}]) is None


def test_an_answer_filed_under_a_later_question_counts_for_that_question():
    text = "we zijn bij twee collega-bedrijven in de regio gaan kijken hoe die het aanpakken"
    events = [
        LOOP_ON,
        requested("leren"),
        user(text),
        {"event": "slot", "name": "rondkijken", "value": text},
        requested("kennispartners"),
    ]
    assert [(s.slot, s.text) for s in intake.statements_from_events(events)] == [("rondkijken", text)]


def test_an_owner_ahead_of_the_bot_gets_the_answer_filed_under_the_later_question():
    engine = ConclusionEngine.from_file()
    filled = {slot: "x" for slot in intake.INTAKE_SLOTS[: intake.INTAKE_SLOTS.index("leren")]}
    turn = intake.Turn("we zijn bij twee collega-bedrijven in de regio gaan kijken hoe die het aanpakken",
                       "inform", 0.9)
    values = intake.slots_from_turn(turn, "leren", filled, engine)
    assert list(values) == ["rondkijken"]
    # a plain answer to the question asked stays there
    plain = intake.Turn("de leverancier geeft een training en daarna oefenen ze samen", "inform", 0.9)
    assert list(intake.slots_from_turn(plain, "leren", filled, engine)) == ["leren"]
    # "ja"/"nee" buttons and skips are answers to the question asked, whatever the words
    button = intake.Turn("ja, we hebben bij andere bedrijven gekeken", "affirm", 0.9)
    assert list(intake.slots_from_turn(button, "leren", filled, engine)) == ["leren"]


def test_asked_questions_are_the_values_of_requested_slot_since_the_restart():
    events = [LOOP_ON, requested("motief"), user("kosten"), requested("fase"), requested("motief")]
    assert intake.asked_questions(events) == ["motief", "fase"]
    restarted = events + [{"event": "restart"}, requested("technologie")]
    assert intake.asked_questions(restarted) == ["technologie"]


def test_an_answer_to_a_question_the_bot_passed_over_is_filed_there():
    engine = ConclusionEngine.from_file()
    filled = {slot: "x" for slot in intake.INTAKE_SLOTS[: intake.INTAKE_SLOTS.index("arbeidsmarkt")]}
    text = "ze leren programmeren, krijgen er een cursus bij met certificaat. en niet meer de hele dag tillen"
    turn = intake.Turn(text, "inform", 0.9)
    # the opener answered what changes and what it brings; the bot asked the others one by one
    asked = ["technologie", "motief", "fase", "besluitvorming", "betrokkenheid", "arbeidsmarkt"]
    passed = ["verandering_werk", "meerwaarde_medewerkers"]
    assert intake.unasked_before(filled, "arbeidsmarkt", asked) == passed
    assert list(intake.slots_from_turn(turn, "arbeidsmarkt", filled, engine, asked=asked)) == [
        "meerwaarde_medewerkers"
    ]
    # asked before: the same answer is an answer to the question asked now
    all_asked = [*asked, "verandering_werk", "meerwaarde_medewerkers"]
    again = intake.slots_from_turn(turn, "arbeidsmarkt", filled, engine, asked=all_asked)
    assert list(again) == ["arbeidsmarkt"]


def test_a_long_opener_can_describe_the_change_in_the_work_and_the_stage():
    # blind REST conversation s58 (session 9)
    engine = ConclusionEngine.from_file()
    text = (
        "we zijn een verspaner, 30 man, en we willen een cobot bij de draaibank. vorige maand hebben we "
        "de knoop doorgehakt, de cobot komt in maart. voor de draaiers verandert dat ze minder staan te "
        "laden en meer gaan programmeren en instellen"
    )
    values = intake.slots_from_turn(intake.Turn(text, "inform", 0.9), None, {}, engine)
    assert {"fase", "verandering_werk"} <= set(values)
    # a message naming the technology and its task does not say what changes for the people
    plain = intake.Turn("we willen een cobot bij de draaibank die de ruwe delen erin legt", "inform", 0.9)
    assert "verandering_werk" not in intake.slots_from_turn(plain, None, {}, engine)
    # nor does a question about it
    question = intake.Turn("wat verandert er voor de draaiers als ze meer gaan programmeren en instellen?",
                           "inform", 0.9)
    assert "verandering_werk" not in intake.slots_from_turn(question, None, {}, engine)


def test_an_opener_that_fills_a_later_question_does_not_move_the_bot_past_the_first():
    # blind REST conversation s50 (session 9): the opener gave only the stage ("we hebben een
    # snijtafel gekocht"); the bot must still ask the technology question first
    opener = "we hebben een automatische snijtafel voor stof gekocht en wilde ff advies"
    events = [user(opener), LOOP_ON, {"event": "slot", "name": "fase", "value": opener}]
    assert intake.last_answered(events) is None
    filled = {"fase": opener}
    assert intake.next_question(filled, intake.last_answered(events)) == "technologie"


PREPARED = (
    "1. Techniek: een cobot voor het afstapelen aan de vouwmachines.\n"
    "2. Motief: het afstapelen is zwaar werk, en de nachtploeg krijgen we niet gevuld.\n"
    "3. Personeel (even vooruit): vier vacatures die al maanden openstaan.\n"
    "4. Besluit: nog niet genomen. Ineke heeft op een personeelsavond uitgelegd waarom,\n"
    "   met filmpjes, en er was een lange vragenronde.\n"
    "5. Bij anderen gekeken: weet ik niet, mijn compagnon is ergens geweest geloof ik\n"
    "6. Kennispartner: de hogeschool begeleidt de proef."
)


def test_a_prepared_list_is_split_into_answers_by_its_labels():
    # blind REST s243-s253 (session 17): consultants and owners who paste their answers as a list
    parts = intake.list_parts(PREPARED)
    assert [slot for slot, _ in parts] == [
        "technologie", "motief", "arbeidsmarkt", "besluitvorming", "rondkijken", "kennispartners",
    ]
    # the label is not part of the answer ("Bij anderen gekeken:" is no statement that he looked), and a line
    # without a marker continues the item before it
    assert dict(parts)["rondkijken"].startswith("weet ik niet")
    assert dict(parts)["besluitvorming"].endswith("er was een lange vragenronde.")
    assert intake.label_slot("Wat het de mensen oplevert") == "meerwaarde_medewerkers"
    assert intake.label_slot("Wie besloot") == "besluitvorming"
    assert intake.label_slot("Hoe ver") == "fase"
    assert intake.label_slot("Opmerking") is None


def test_a_list_needs_two_labelled_items():
    assert intake.list_parts("we willen een cobot\nen de operators zijn betrokken") is None
    assert intake.list_parts("- een cobot\n- bij het inpakken") is None
    assert intake.list_parts("Ruud zei: ze horen het wel\nik vond van niet") is None
    assert intake.list_parts("Techniek: een cobot") is None
    # an item without a label answers the question asked when no item is labelled for it
    parts = intake.list_parts("- exoskeletten bij het lassen\n- reden: schouderklachten\n- stand: orienteren")
    assigned = intake.assign_parts(parts, "technologie")
    assert assigned[0] == ("technologie", "exoskeletten bij het lassen")
    assert intake.assign_parts(parts, "leren")[0] == ("leren", "exoskeletten bij het lassen")
    # the text before the list answers nothing
    with_preface = intake.list_parts("hier mijn antwoorden:\n- waarom: kwaliteit\n- fase: besloten")
    assert intake.assign_parts(with_preface, "technologie")[0] == (None, "hier mijn antwoorden:")


def test_a_prepared_list_fills_the_questions_it_answers_and_gives_one_statement_per_item():
    engine = ConclusionEngine.from_file()
    turn = intake.Turn(PREPARED, "inform", 1.0)
    values = intake.slots_from_turn(turn, "technologie", {}, engine)
    assert list(values) == [
        "technologie", "motief", "besluitvorming", "arbeidsmarkt", "rondkijken", "kennispartners",
    ]
    events = [LOOP_ON, requested("technologie"), user(PREPARED, "inform", 1.0)]
    events += [slot_set(slot, value) for slot, value in values.items()]
    statements = intake.statements_from_events(events)
    in_list_order = (
        "technologie", "motief", "arbeidsmarkt", "besluitvorming", "rondkijken", "kennispartners",
    )
    assert [(s.slot, s.turn) for s in statements] == [(slot, 1) for slot in in_list_order]
    assessment = engine.assess(statements)
    assert assessment.status("rondkijken") == "onbekend"  # the label said nothing
    assert assessment.status("uitleggen") == "op_orde"
    assert assessment.status("kennisinstellingen") == "op_orde"
    # the next question is the first one the list left open, and the form knows the list was its answer
    assert intake.last_answered(events) == "technologie"
    filled = {slot: values.get(slot) for slot in intake.INTAKE_SLOTS}
    assert intake.next_question(filled, intake.last_answered(events)) == "fase"


def test_a_correction_after_a_list_withdraws_only_the_item_it_names():
    # blind REST s253: "dat klopt niet wat ik over de hogeschool zei" withdrew the whole list
    engine = ConclusionEngine.from_file()
    correction = (
        "nee wacht, dat klopt niet wat ik over de hogeschool zei. Dat project ging over onze website. "
        "Voor de cobot hebben we alleen de softwareleverancier."
    )
    events = [
        LOOP_ON, requested("technologie"), user(PREPARED, "inform", 1.0), requested("fase"),
        user(correction, "correct", 1.0),
    ]
    assessment = engine.assess(intake.statements_from_events(events))
    assert assessment.status("kennisinstellingen") == "aandachtspunt"
    assert assessment.status("uitleggen") == "op_orde"
    assert assessment.status("jong_talent") == "aandachtspunt"
