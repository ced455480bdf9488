"""The answer prompt is built so that llama.cpp's prompt cache can skip its fixed part."""
from __future__ import annotations

from rag.prompting import EXAMPLE_ANSWER, EXAMPLE_QUESTION, SYSTEM_PROMPT, answer_messages
from rag.schema import Chunk, Origin, Passage


def _passage(i: int, text: str, section: tuple[str, ...] = ()) -> Passage:
    return Passage(Chunk(f"c{i}", text, Origin("report.txt", section)), score=1.0, rank=i)


def _flatten(messages: list[dict[str, str]]) -> str:
    return "".join(f"<{m['role']}>{m['content']}" for m in messages)


def test_instructions_and_example_are_an_identical_prefix_and_passages_and_question_come_last() -> None:
    first = answer_messages("2023年一般公共预算收入是多少？",
                            [_passage(1, "完成一般公共预算收入30.24亿元、增长29.2%。", ("一、2023年工作回顾",))])
    second = answer_messages("去年新建改造了多少公里雨污管网？",
                             [_passage(1, "新建改造雨污管网120公里。"), _passage(2, "新增城镇就业3100人以上。")])
    assert first[:-1] == second[:-1]  # system prompt, worked example question and answer: token for token the same
    assert [m["content"] for m in first[:-1]] == [SYSTEM_PROMPT, EXAMPLE_QUESTION, EXAMPLE_ANSWER]
    assert first[-1]["role"] == second[-1]["role"] == "user"
    # whatever varies is in the last message, passages before the question, the question at the very end
    last = second[-1]["content"]
    assert last.startswith("资料：\n[1]") and last.endswith("问题：去年新建改造了多少公里雨污管网？")
    assert last.index("雨污管网120公里") < last.index("问题：")
    # the shared prefix of the two whole prompts covers everything before the first passage
    a, b = _flatten(first), _flatten(second)
    common = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    assert a[:common].endswith("<user>资料：\n[1]")
    assert common >= len(SYSTEM_PROMPT) + len(EXAMPLE_QUESTION) + len(EXAMPLE_ANSWER)


def test_a_heading_is_written_once_for_a_run_of_passages_under_it() -> None:
    bulletin = ("2023年度人力资源和社会保障事业发展统计公报",)
    last = answer_messages("2023年失业保险金月人均水平是多少？", [
        _passage(1, "全年向失业人员发放失业保险金729亿元。失业保险金月人均水平1814元。", bulletin),
        _passage(2, "年末全国领取失业保险金人数352万人。", bulletin),
        _passage(3, "全年失业保险基金收入1807亿元。", ("三、社会保险",)),
    ])[-1]["content"]
    assert last.count("（2023年度人力资源和社会保障事业发展统计公报）") == 1
    assert "[2]年末全国领取失业保险金人数352万人" in last and "[3]（三、社会保险）全年失业保险基金收入" in last
