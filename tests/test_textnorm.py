"""Chinese-aware spacing and number handling, on strings from the demo report."""
from __future__ import annotations

from rag.textnorm import extract_numbers, normalize_for_match, split_sentences, tidy_spaces


def test_spaces_between_chinese_and_numbers_go():
    assert tidy_spaces("完成一般公共预算收入 30.24 亿元、增长 29.2%；") == "完成一般公共预算收入30.24亿元、增长29.2%；"
    assert tidy_spaces("分别增长 5.5%和 5.6%。") == "分别增长5.5%和5.6%。"
    assert tidy_spaces("——2024 年 1 月 17 日") == "——2024年1月17日"


def test_latin_tokens_stay_intact():
    assert tidy_spaces("累计建设 5G 基站 2375 个") == "累计建设5G基站2375个"
    assert tidy_spaces("加快培育建设 CMO/CDMO 生产基地") == "加快培育建设CMO/CDMO生产基地"
    assert tidy_spaces("Qwen 2.5 模型") == "Qwen 2.5模型"


def test_spaces_between_chinese_phrases_are_kept():
    assert tidy_spaces("扎实推进“万人下乡 千村提升”工程") == "扎实推进“万人下乡 千村提升”工程"


def test_full_width_digits_fold_but_chinese_punctuation_stays():
    assert tidy_spaces("收入３０．２４亿元，增长２９．２％。") == "收入30.24亿元，增长29.2%。"


def test_numbers_are_extracted_whole():
    assert extract_numbers("完成30.24亿元、增长29.2%，建设5G基站2,375个") == ["30.24亿", "29.2%", "5", "2375"]
    assert extract_numbers("种植面积5.5万亩，算力30P") == ["5.5万", "30"]


def test_match_form_is_nfkc_without_whitespace():
    assert normalize_for_match("３０.２４ 亿元") == "30.24亿元"


def test_sentences_split_at_chinese_ends():
    assert split_sentences("第一句。第二句！第三句？") == ["第一句。", "第二句！", "第三句？"]


def test_chinese_figures_become_arabic_only_where_they_are_figures():
    from rag.textnorm import arabic_figures

    # real wording of the laws corpus (体育法, 上海市生活垃圾管理条例, 民法典, 物业管理条例)
    assert arabic_figures("每天参加体育锻炼的时间不少于一小时") == "每天参加体育锻炼的时间不少于1小时"
    assert arabic_figures("处五十元以上二百元以下罚款") == "处50元以上200元以下罚款"
    assert arabic_figures("男不得早于二十二周岁") == "男不得早于22周岁"
    assert arabic_figures("占建筑物总面积三分之二以上") == "占建筑物总面积2/3以上"
    assert arabic_figures("可以处三百万元以下的罚款") == "可以处300万元以下的罚款"
    for words in ("第一章 一般规定", "统一管理", "一些"):
        assert arabic_figures(words) == words


def test_an_answers_figures_are_written_as_its_source_writes_them():
    from rag.textnorm import figures_as_written

    law = "醉酒驾驶机动车的，由公安机关交通管理部门约束至酒醒，吊销机动车驾驶证，依法追究刑事责任；五年内不得重新取得机动车驾驶证。"
    assert figures_as_written("吊销驾驶证后5年内不得重新取得[1]。", [law]) == "吊销驾驶证后五年内不得重新取得[1]。"
    assert figures_as_written("罚款10%。", ["处以违法所得百分之十的罚款"]) == "罚款百分之十。"
    # a longer figure is another figure; a source that writes the Arabic form keeps the answer as it is
    assert figures_as_written("15年", [law]) == "15年"
    assert figures_as_written("放假3天", ["（二）春节，放假3天（农历正月初一、初二、初三）"]) == "放假3天"


def test_spoken_times_of_day_get_the_24_hour_form_laws_write():
    from rag.textnorm import law_clock_times

    assert law_clock_times("孩子晚上十点以后还能玩网络游戏吗") == "孩子晚上十点（二十二时）以后还能玩网络游戏吗"
    assert law_clock_times("早上8点上班") == "早上8点（八时）上班"
    assert law_clock_times("下午三点半") == "下午三点半（十五时三十分）"
    assert law_clock_times("晚上12点") == "晚上12点（二十四时）"
    assert law_clock_times("提出三点建议") == "提出三点建议"  # no time of day
