"""Which statement answers "…是多少？": a table cell by its row and column, a sentence by the words
around the interrogative, a clause with its topic or condition — on real excerpts of the demo
document, `shared/corpus/real/` and the laws corpus.

`best_clause` is what extractive answers quote and what replaces a small model's neighbouring figure.
"""
from __future__ import annotations

from rag.answerability import answer_states_kind, asks_for_figure, best_clause, figure_attached, focus_terms
from rag.constraints import expected_kinds, parse_constraints
from rag.card import DocumentCard
from rag.schema import Chunk, Origin, Passage

# 淮安市人民政府2024年政府信息公开工作年度报告 (PDF table, one row as indexed)
HUAIAN_ROW = ("三、收到和处理政府信息公开申请情况 | 一、本年新收政府信息公开申请数量 | 申请人情况·自然人：3001 | "
              "申请人情况·法人或其他组织·商业企业：53 | 申请人情况·法人或其他组织·科研机构：0 | "
              "申请人情况·法人或其他组织·社会公益组织：0 | 申请人情况·法人或其他组织·法律服务机构：61 | "
              "申请人情况·法人或其他组织·其他：4 | 申请人情况·总计：3119")
# 上海市普陀区财政局2024年度部门决算 (PDF tables and prose)
PUTUO_TOTALS = "收入支出决算总表（单位：万元） | 收入·项目：年初结转和结余 | 收入·决算数：49.14 | 支出·项目：年末结转和结余 | 支出·决算数：55.34"
PUTUO_RETIRED = ("支出决算表（单位：万元） | 项目·支出功能分类·科目编码·类：208 | 项目·支出功能分类·科目编码·款：05 | "
                 "项目·支出功能分类·科目编码·项：01 | 项目·科目名称：行政单位离退休 | 本年支出合计：84.65 | 基本支出：84.65")
PUTUO_RUNNING = ("1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：局本部人员经费及公用经费等的基本支出。"
                 "年初预算为1560.05万元，支出决算为1511.89万元。决算数小于预算数的主要原因：人员进出及退休变化，减少人员经费开支。")
PUTUO_RUNNING_ROW = ("一般公共预算财政拨款支出决算表（单位：万元） | 项目·支出功能分类·科目编码·类：201 | "
                     "项目·支出功能分类·科目编码·款：06 | 项目·支出功能分类·科目编码·项：01 | 项目·科目名称：行政运行 | "
                     "合计：1,511.89 | 基本支出：1,503.52 | 项目支出：8.37")
# 长清区2024年政府工作报告: "；" separates items of a report
CHANGQING_PROJECTS = ("组建首期10亿元生物医药产业母基金，签约大华凯特、亿腾医药等生物医药类项目10个，总投资30亿元；"
                      "长安新能源客车项目即将开工建设，中油济柴加速推进“三机一新”一体化发展；")
# laws corpus: 民法典 婚姻家庭编, 劳动法
MARRIAGE = "第一千零四十七条 结婚年龄，男不得早于二十二周岁，女不得早于二十周岁。"
OVERTIME = ("第四十一条 用人单位由于生产经营需要，经与工会和劳动者协商后可以延长工作时间，一般每日不得超过一小时；"
            "因特殊原因需要延长工作时间的，在保障劳动者身体健康的条件下延长工作时间每日不得超过三小时，但是每月不得超过三十六小时。")


def _passage(text: str, kind: str = "text", section: tuple[str, ...] = ()) -> Passage:
    return Passage(chunk=Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc="d", section=section, page=1, kind=kind)),
                   score=1.0, rank=1)


def _answer(question: str, *passages: Passage, idf: dict[str, float] | None = None) -> str:
    clause = best_clause(parse_constraints(question), list(passages), idf or {})
    return clause.focus if clause else ""


def test_a_table_cell_is_found_by_its_column():
    row = _passage(HUAIAN_ROW, "table")
    assert "3001" in _answer("2024年淮安市新收的政府信息公开申请中，自然人提出的有多少件？", row)
    assert "61" in _answer("本年新收政府信息公开申请中，法律服务机构提出的有多少件？", row)


def test_a_row_without_a_named_column_answers_with_its_total():
    assert "3119" in _answer("淮安市2024年本年新收政府信息公开申请一共有多少件？", _passage(HUAIAN_ROW, "table"))


def test_side_by_side_tables_give_each_value_its_own_label():
    # 收入 | 决算数 | 支出 | 决算数: 55.34 belongs to 年末, not to 年初
    row = _passage(PUTUO_TOTALS, "table")
    assert "49.14" in _answer("收入支出决算总表里，年初结转和结余是多少？", row)
    assert "55.34" in _answer("收入支出决算总表里，年末结转和结余是多少？", row)
    c = parse_constraints("收入支出决算总表里，普陀区财政局的年初结转和结余与年末结转和结余分别是多少？")
    assert len(c.parts) == 2  # names that contain 和 are joined by 与


def test_a_declared_unit_is_the_cells_kind():
    # the table says 单位：万元, so 84.65 is money and never a count of people
    assert _answer("普陀区财政局2024年有多少名离退休人员？", _passage(PUTUO_RETIRED, "table")) == ""
    assert "84.65" in _answer("普陀区财政局行政单位离退休的本年支出合计是多少万元？", _passage(PUTUO_RETIRED, "table"))


def test_the_words_next_to_the_interrogative_choose_between_table_and_prose():
    question = "普陀区财政局2024年“行政运行”项目的年初预算是多少？"
    assert [t.word for t in focus_terms(parse_constraints(question))][-2:] == ["年初", "预算"]
    # the prose names 行政运行 in its lead sentence and states the 年初预算; the row has no such column
    # (IDF as measured over the real documents' index: 项目 is everywhere in a budget report)
    idf = {"行政": 0.62, "运行": 1.42, "项目": 0.33, "年初": 1.51, "预算": 0.47}
    assert "1560.05" in _answer(question, _passage(PUTUO_RUNNING_ROW, "table"), _passage(PUTUO_RUNNING), idf=idf)


def test_thousands_separators_do_not_split_a_cell():
    c = parse_constraints("普陀区财政局“行政运行”科目的合计是多少？")
    assert figure_attached(c, "1511.89", [_passage(PUTUO_RUNNING_ROW, "table")], {})
    assert "8.37" in _answer("“行政运行”科目的项目支出是多少？", _passage(PUTUO_RUNNING_ROW, "table"))


def test_another_items_figure_across_a_semicolon_is_not_the_answer():
    # 总投资30亿元 belongs to the 生物医药 projects; the 长安 project's investment is not given
    idf = {"长安": 1.33, "新能源": 2.8, "客车": 1.98, "项目": 0.29, "投资": 0.76}  # measured on the demo index
    assert _answer("长安新能源客车项目的总投资是多少？", _passage(CHANGQING_PROJECTS), idf=idf) == ""


def test_a_short_topic_clause_is_the_subject_of_the_figures_after_it():
    idf = {"民法典": 4.91, "男性": 2.5, "法定": 1.68, "结婚年龄": 7.8}  # as measured on the laws index
    assert "二十二周岁" in _answer("按照民法典，男性的法定结婚年龄是多少岁？", _passage(MARRIAGE), idf=idf)


def test_a_condition_is_the_subject_of_its_clauses():
    question = "根据劳动法，用人单位因特殊原因延长劳动者工作时间，每月最多不得超过多少小时？"
    assert "每月" in [t.word for t in parse_constraints(question).terms]  # 每月 qualifies the quantity
    assert "三十六小时" in _answer(question, _passage(OVERTIME))


def test_what_asks_for_a_figure():
    assert asks_for_figure(parse_constraints("山西品牌丝路行（南美站）是哪天启动的？"))  # a date
    assert not asks_for_figure(parse_constraints("山西省贸促会在圣保罗和哪几家机构签了合作协议？"))  # a list
    assert expected_kinds("领取失业保险金的人平均每月能拿多少钱？") == {"money"}
    assert "百分之几" not in [t.word for t in parse_constraints("农村居民人均可支配收入增长了百分之几？").terms]


def test_the_questions_own_figures_answer_nothing():
    # "那2台（套）单价100万元以上的设备总价值是多少？": 100万元 is given; the documents state no total value
    c = parse_constraints("普陀区财政局那2台（套）单价100万元以上的设备总价值是多少？")
    assert c.expects == {"money"}
    assert not answer_states_kind(c, "单价100万元（含）以上设备（不含车辆）2台（套）。")
    assert best_clause(c, [_passage("单价100万元（含）以上设备（不含车辆）2台（套）。")], {}) is None


def test_the_size_of_a_change_is_written_as_its_verb():
    # "降幅多大？" is answered by "下降1.87%" (普陀区财政局 2024 final accounts)
    from rag.constraints import normalize, term_covered

    assert term_covered("降幅", normalize("与2023年度相比，收入支出总计减少56.95万元，下降1.87%。")) > 0
    assert term_covered("增速", normalize("规模以上工业增加值增长12.2%")) > 0


def test_the_items_of_an_enumeration():
    from rag.answerability import enumeration

    items = enumeration("当天下午，省贸促会分别与巴西华人协会、圣保罗商会、南共体市场工商协会签署合作协议，并正式设立驻巴西代表处。")
    assert len(items) == 3 and "圣保罗商会" in items and "华人协会" in items[0]


# 人力资源和社会保障事业发展统计公报 (DOCX): one sentence gives both lines of the same fund
MOHRSS_FUNDS = ("全年基本养老保险、失业保险、工伤保险三项社会保险基金收入计71583亿元，比上年增加3378亿元，增长5.0%；"
                "基金支出计66122亿元，比上年增加3435亿元，增长5.5%。")
MOHRSS_UNEMPLOYMENT = ("全年向失业人员发放失业保险金729亿元，同比增加136亿元。失业保险金月人均水平1814元。"
                       "为领取失业保险金人员代缴基本医疗保险费（含生育保险费）181亿元，同比增加27亿元。")
# 上海市住宅物业管理规定 (2020年修正) 第六十九条, and 第六十五条 with a percentage of another quantity
SHANGHAI_VOTE = ("第六十九条 物业部分共用部分的维修、更新和改造，应当由部分共用的业主决定，由部分共用部分专有部分面积占比三分之二以上的业主"
                 "且人数占比三分之二以上的业主参与表决，其中，涉及筹集专项维修资金或者改建、重建建筑物及其附属设施的，"
                 "应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意；")
SHANGHAI_FUND = ("第六十五条 未建立首期专项维修资金或者专项维修资金余额不足首期筹集金额百分之三十的，业主应当按照国家和本市的相关规定、"
                 "专项维修资金管理规约和业主大会的决定，及时补建或者再次筹集专项维修资金。")


def test_the_word_next_to_the_interrogative_tells_sibling_lines_apart():
    # 支出 is common in the bulletin (low IDF) yet it is what is asked: the 收入 line is its sibling
    funds = _passage(MOHRSS_FUNDS)
    assert "66122" in _answer("2022年三项社会保险基金支出合计多少？", funds, idf={"支出": 0.3, "社会保险": 2.0, "基金": 1.1})
    assert "71583" in _answer("2022年三项社会保险基金收入合计多少？", funds, idf={"收入": 0.3, "社会保险": 2.0, "基金": 1.1})
    # a quantity named after the interrogative is what is asked; the shared verb before it picks nothing
    villages = _passage("累计建成和美乡村示范村92个，乡村振兴齐鲁样板村25个，获“全国村庄清洁行动先进县”称号。")
    assert "25个" in _answer("全区累计建成了多少个乡村振兴齐鲁样板村？", villages,
                            idf={"累计": 1.1, "建成": 0.9, "乡村": 0.9, "振兴": 1.0, "齐鲁": 2.2, "样板": 2.6})


def test_a_per_month_figure_is_not_answered_by_a_total():
    found = _answer("2023年领取失业保险金的人平均每月能拿多少钱？", _passage(MOHRSS_UNEMPLOYMENT),
                    idf={"领取": 2.4, "失业": 1.6, "保险金": 3.8, "平均": 1.6, "每月": 2.7})
    assert "1814" in found and "181亿" not in found


def test_a_share_asked_as_how_large_a_proportion_is_answered_by_a_fraction():
    assert "percent" in expected_kinds("需要多大比例的参与表决业主同意？")
    found = _answer("根据上海市住宅物业管理规定，业主大会决定筹集专项维修资金，需要多大比例的参与表决业主同意？",
                    _passage(SHANGHAI_FUND), _passage(SHANGHAI_VOTE))
    assert "四分之三" in found


# 物业管理条例 (2018): 第十二条 says how many owners must agree to the items of 第十一条 it cites by number
PROPERTY_ART11 = '第十一条 下列事项由业主共同决定：\n(一)制定和修改业主大会议事规则；\n(二)制定和修改管理规约；\n(三)选举业主委员会或者更换业主委员会成员；\n(四)选聘和解聘物业服务企业；\n(五)筹集和使用专项维修资金；\n(六)改建、重建建筑物及其附属设施；\n(七)有关共有和共同管理权利的其他重大事项。'
PROPERTY_ART12 = '第十二条 业主大会会议可以采用集体讨论的形式，也可以采用书面征求意见的形式；但是，应当有物业管理区域内专有部分占建筑物总面积过半数的业主且占总人数过半数的业主参加。\n业主可以委托代理人参加业主大会会议。\n业主大会决定本条例第十一条第(五)项和第(六)项规定的事项，应当经专有部分占建筑物总面积2/3以上的业主且占总人数2/3以上的业主同意；决定本条例第十一条规定的其他事项，应当经专有部分占建筑物总面积过半数的业主且占总人数过半数的业主同意。'
# 山西省人民政府网 news page: the photo credit follows the caption's full stop
SHANXI_CAPTION = "图为山西品牌丝路行（南美站）启动仪式。（刘通摄）\n跨越千山万水，行程近两万公里，山西品牌丝路行首次登陆巴西，刷新“走出去”的最远纪录。"


def _law(text: str) -> Passage:
    return Passage(chunk=Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc="物业管理条例(2018-03-19).md", page=None)),
                   score=1.0, rank=1)


def test_an_article_that_cites_items_by_number_is_read_with_their_words():
    found = _answer("依照国务院《物业管理条例》，业主大会决定筹集和使用专项维修资金，需要多少业主同意？",
                    _law(PROPERTY_ART11), _law(PROPERTY_ART12))
    assert "2/3以上" in found
    # without the cited article the number is all that links the question to 第十二条: nothing is quoted
    assert "2/3" not in _answer("依照国务院《物业管理条例》，业主大会决定筹集和使用专项维修资金，需要多少业主同意？",
                                _law(PROPERTY_ART12))


def test_a_photo_credit_after_the_full_stop_stays_with_its_caption():
    clause = best_clause(parse_constraints("启动仪式那张新闻照片是谁拍的？"), [_passage(SHANXI_CAPTION)], {})
    assert clause is not None and clause.text.startswith("图为山西品牌丝路行（南美站）启动仪式（刘通摄）")


# 淮安市人民政府2024年政府信息公开工作年度报告, its opening paragraph
HUAIAN_CONTACT = ("本报告由淮安市人民政府办公室根据《中华人民共和国政府信息公开条例》（国令第711号）（以下简称《条例》）规定编制。"
                  "报告所列统计期限自2024年1月1日至2024年12月31日。如对本报告有疑问，请与淮安市人民政府办公室联系"
                  "（地址：淮安市翔宇南道1号，邮编：223001，电话：0517-83605210，电子邮箱：hazwgkc@163.com）。")


def test_a_telephone_number_answers_which_number_to_call():
    assert expected_kinds("对淮安市政府信息公开年报有疑问，可以打哪个电话咨询？") == {"phone"}
    c = parse_constraints("对淮安市政府信息公开年报有疑问，可以打哪个电话咨询？")
    assert asks_for_figure(c) and not answer_states_kind(c, "可以联系淮安市人民政府办公室。")
    assert "0517-83605210" in _answer("对淮安市政府信息公开年报有疑问，可以打哪个电话咨询？", _passage(HUAIAN_CONTACT))
    # a count is not a telephone number
    assert expected_kinds("2023年一般公共预算收入是多少？") == {"money"}
    # "一共/合计" between the asked noun and 多少 still asks an amount of money (罚没金额一共是多少)
    assert expected_kinds("淮安市2024年行政处罚的罚没金额一共是多少？") == {"money"}


# 劳动合同法 第十九条 and 劳动法 第二十一条: brackets of contract length, and a general cap
PROBATION = ("第十九条 劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上不满三年的，试用期不得超过二个月；"
             "三年以上固定期限和无固定期限的劳动合同，试用期不得超过六个月。")
PROBATION_CAP = "第二十一条 劳动合同可以约定试用期。试用期最长不得超过六个月。"


def test_the_bracket_that_holds_the_askers_case_answers():
    from rag.conditions import brackets, fits, given_quantities

    given = given_quantities("公司和我签了两年期的劳动合同，试用期最长能约定多久？")
    assert given == [("time", 24.0)]  # 2年 in months; "2023年" would be a date, not a duration
    assert given_quantities("2023年一般公共预算收入是多少？") == []
    assert fits(given, "劳动合同期限一年以上不满三年的，") and fits(given, "劳动合同期限三个月以上不满一年的，") is False
    assert brackets("处五十元以上二百元以下罚款")[0].high == 200
    found = _answer("公司和我签了两年期的劳动合同，试用期最长能约定多久？", _passage(PROBATION_CAP), _passage(PROBATION),
                    idf={"试用期": 3.7, "最长": 3.1, "约定": 1.7, "劳动合同": 3.3, "公司": 1.9})
    assert "二个月" in found


def test_a_date_question_is_answered_by_a_date_not_by_any_figure():
    # 长清区政府工作报告: the cover line dates the report; a sentence with 政府 and counts does not answer
    assert expected_kinds("这份政府工作报告是在哪一天作的？") == {"日", "月", "年"}
    bonds = _passage("谋划新增国债项目27个，总投资49.2亿元，储备政府专项债项目31个，总投资309.6亿元。")
    assert _answer("这份政府工作报告是在哪一天作的？", bonds, idf={"政府": 0.35}) == ""
    launch = _passage("当地时间9月16日下午，2019年山西品牌丝路行（南美站）活动在巴西圣保罗正式启动。")
    clause = best_clause(parse_constraints("山西品牌丝路行（南美站）是哪天启动的？"), [launch], {})
    assert clause is not None and "9月16日" in clause.text


# 淮安 report: the table splits 行政诉讼 by 未经复议直接起诉 / 复议后起诉; the prose gives the totals
HUAIAN_SUITS_ROW = ("四、政府信息公开行政复议、行政诉讼情况 | 行政复议·结果维持：72 | 行政复议·结果纠正：64 | "
                    "行政诉讼·未经复议直接起诉·结果维持：13 | 行政诉讼·未经复议直接起诉·结果纠正：4 | "
                    "行政诉讼·复议后起诉·结果维持：12 | 行政诉讼·复议后起诉·结果纠正：1")
HUAIAN_SUITS_PROSE = ("政府信息公开行政复议351件，其中结果维持72件，结果纠正64件，其他结果178件，尚未审结37件；"
                      "政府信息公开行政诉讼46件，其中结果维持25件，结果纠正5件，其他结果9件，尚未审结7件。")


def test_cells_that_differ_by_a_column_the_question_does_not_name_give_way_to_the_statement():
    row, prose = _passage(HUAIAN_SUITS_ROW, "table"), _passage(HUAIAN_SUITS_PROSE)
    assert "25件" in _answer("淮安2024年政府信息公开行政诉讼中，结果维持有多少件？", row, prose)
    # naming the column picks the cell
    assert "13" in _answer("行政诉讼中未经复议直接起诉的结果维持有多少件？", row, prose)
    # with no statement to fall back on, a cell is still better than nothing
    assert _answer("淮安2024年政府信息公开行政诉讼中，结果维持有多少件？", row)


def test_a_quoted_cell_carries_the_unit_its_caption_declares():
    from rag.answerability import clause_sentence

    clause = best_clause(parse_constraints("收入支出决算总表里，年末结转和结余是多少？"),
                         [_passage(PUTUO_TOTALS, "table")], {})
    quoted = clause_sentence(clause)
    assert "55.34万元" in quoted and "单位" not in quoted and quoted.startswith("收入支出决算总表，")


# laws corpus: 上海市生活垃圾管理条例 第五十五条 (a chunk that starts inside the article) and 第五十七条
WASTE_PERSON = ("个人违反本条例第二十四条第一款规定，将有害垃圾与可回收物、湿垃圾、干垃圾混合投放，或者将湿垃圾与可回收物、"
                "干垃圾混合投放的，由城管执法部门责令立即改正；拒不改正的，处五十元以上二百元以下罚款。")
WASTE_UNIT = ("第五十七条 单位违反本条例第二十四条第一款规定，未将生活垃圾分别投放至相应收集容器的，由城管执法部门责令立即改正；"
              "拒不改正的，处五千元以上五万元以下罚款。")
# 反垄断法(2022) 第五十六条 and 第五十六条's 行业协会 neighbour
CARTEL = ("第五十六条 经营者违反本法规定，达成并实施垄断协议的，由反垄断执法机构责令停止违法行为，没收违法所得，并处上一年度销售额"
          "百分之一以上百分之十以下的罚款，上一年度没有销售额的，处五百万元以下的罚款；尚未实施所达成的垄断协议的，可以处三百万元"
          "以下的罚款。")
ASSOCIATION = "行业协会违反本法规定，组织本行业的经营者达成垄断协议的，由反垄断执法机构责令改正，可以处三百万元以下的罚款；情节严重的，社会团体登记管理机关可以依法撤销登记。"


def test_a_later_segment_of_a_rule_speaks_of_the_actor_and_act_its_opening_names():
    question = "在上海，个人把湿垃圾和干垃圾混在一起扔，拒不改正的会被罚多少钱？"
    assert "五十元以上二百元以下" in _answer(question, _passage(WASTE_UNIT), _passage(WASTE_PERSON))
    clause = best_clause(parse_constraints("对达成但尚未实施垄断协议的经营者，最高可罚多少？"),
                         [_passage(ASSOCIATION), _passage(CARTEL)], {})
    assert clause.marker == 2 and clause.text.startswith("尚未实施所达成的垄断协议的")


# 普陀区财政局 决算: the cell 福利费 of the basic-expenditure table
PUTUO_WELFARE = ("一般公共预算财政拨款基本支出决算表（单位：万元） | 经济分类·科目编码·类：302 | 经济分类·科目编码·款：29 | "
                 "科目名称：福利费 | 决算数：42.77")
PUTUO_WAGES = "一般公共预算财政拨款基本支出决算表（单位：万元） | 经济分类·科目编码·类：301 | 科目名称：工资福利支出 | 决算数：2,082.85"


def test_the_noun_right_after_the_interrogative_names_the_quantity():
    assert [t.word for t in focus_terms(parse_constraints("普陀区财政局2024年基本支出里发了多少福利费？"))][-1] == "福利费"
    assert "42.77" in _answer("普陀区财政局2024年基本支出里发了多少福利费？",
                              _passage(PUTUO_WAGES, "table"), _passage(PUTUO_WELFARE, "table"),
                              idf={"基本": 0.4, "支出": 0.3, "福利费": 4.8})  # as the index weighs them


def test_a_count_for_another_threshold_of_the_same_quantity_is_not_an_answer():
    from rag.conditions import other_threshold

    stated = "单价100万元（含）以上设备（不含车辆）2台（套）。"
    assert other_threshold("单价50万元以上的设备有几台？", stated)
    assert not other_threshold("单价100万元以上的设备有几台？", stated)
    assert _answer("截至2024年底，普陀区财政局单价50万元以上的设备有几台？", _passage(stated)) == ""


def test_several_is_not_a_question_and_days_are_written_as_日():
    # 治安管理处罚法 第十六条; the 好几个 of the asker's case is not what is asked
    question = "一个人有好几个违反治安管理的行为，行政拘留合并执行最长不超过多少天？"
    assert expected_kinds(question) == frozenset({"天"})
    law = _passage("第十六条 有两种以上违反治安管理行为的，分别决定，合并执行。行政拘留处罚合并执行的，最长不超过二十日。")
    revision = _passage("2007年12月14日 《国务院关于修改〈全国年节及纪念日放假办法〉的决定》第二次修订。")
    assert "二十日" in _answer(question, revision, law)
    # a day of the month is a date, never a number of days
    assert "12月14日" not in _answer("春节放假几天？", revision)


# 刑法 第二百六十四条: one article, three grades of the amount stolen, three brackets of punishment
THEFT = ("第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役"
         "或者管制，并处或者单处罚金；数额巨大或者有其他严重情节的，处三年以上十年以下有期徒刑，并处罚金；数额特别巨大"
         "或者有其他特别严重情节的，处十年以上有期徒刑或者无期徒刑，并处罚金或者没收财产。")


def test_the_bracket_of_the_grade_asked_not_of_another_grade():
    """"数额特别巨大" is its own bracket: 十年以上, not the 三年以上十年以下 of 数额巨大."""
    from rag.answerability import asked_grade

    question = "盗窃数额特别巨大的，要判多少年以上有期徒刑？"
    assert asked_grade(question) == "特别巨大"
    clause = best_clause(parse_constraints(question), [_law(THEFT)], {})
    assert clause is not None and "十年以上有期徒刑或者无期徒刑" in clause.focus and "三年以上" not in clause.focus
    lower = best_clause(parse_constraints("盗窃数额巨大的，要判多少年有期徒刑？"), [_law(THEFT)], {})
    assert lower is not None and "三年以上十年以下" in lower.focus


# laws corpus: 劳动争议调解仲裁法(2007-12-29), two deadlines of the same body; 行政处罚法(2021-01-22)
ARBITRATION_PANEL = "第三十二条 劳动争议仲裁委员会应当在受理仲裁申请之日起五日内将仲裁庭的组成情况书面通知当事人。"
ARBITRATION_AWARD = ("第四十三条 仲裁庭裁决劳动争议案件，应当自劳动争议仲裁委员会受理仲裁申请之日起四十五日内结束。"
                     "案情复杂需要延期的，经劳动争议仲裁委员会主任批准，可以书面通知当事人，延长期限不得超过十五日。")
PENALTY_TWICE = "第二十九条 对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚。"
PENALTY_LAPSE = "第三十六条 违法行为在二年内未被发现的，不再给予行政处罚；法律另有规定的除外。"


def test_a_time_limit_is_named_by_the_act_after_the_interrogative():
    """"多少日内作出裁决": the act written after 内 names the deadline asked; the body acting before it
    (仲裁委员会, 仲裁庭) has other deadlines too, and a rule's "应当…" speaks of the clause before it."""
    question = "劳动争议仲裁委员会受理仲裁申请后，仲裁庭一般应当在多少日内作出裁决？"
    assert [t.word for t in focus_terms(parse_constraints(question))] == ["作出", "裁决"]
    clause = best_clause(parse_constraints(question), [_law(ARBITRATION_PANEL), _law(ARBITRATION_AWARD)], {})
    assert clause is not None and "四十五日内" in clause.focus


def test_a_length_of_time_is_not_answered_by_a_count():
    """"多长时间" asks 二年, 六十日, 七个工作日: 两次 is a count of something else."""
    question = "行政违法行为多长时间没被发现就不再处罚？"
    assert "次" not in expected_kinds(question) and "年" in expected_kinds(question)
    clause = best_clause(parse_constraints(question), [_law(PENALTY_TWICE), _law(PENALTY_LAPSE)], {})
    assert clause is not None and "二年内" in clause.focus


def test_the_sentence_that_fills_the_questions_blank_is_quoted_not_the_one_naming_its_speaker():
    """shared/corpus/real/ (山西品牌丝路行南美站): the speaker is named in the paragraph's first sentence; what
    he said of 转型 is two sentences later."""
    from tests.test_cloze import GREEN, SPEECH

    question = "孙仁安致辞时提到山西正在大力推动什么转型？"
    clause = best_clause(parse_constraints(question), [_passage(SPEECH + "他表示，" + GREEN)], {})
    assert clause is not None and "绿色转型" in clause.text


def test_a_list_asked_of_a_report_is_quoted_with_every_numbered_item():
    """淮安市人民政府2024年政府信息公开工作年度报告: the shortcomings are written "一是…；二是…", and a "；"
    segment alone is one item of the answer."""
    from rag.answerability import _ordinal_series

    passage = ("（一）存在的主要问题。一是政策解读质量仍需提升，个别单位政策解读内容简单、形式单一；二是政务公开队伍建设"
               "还需进一步加强，个别单位存在人员配备不足、兼职多、流动性过快的问题。")
    second = "二是政务公开队伍建设还需进一步加强，个别单位存在人员配备不足、兼职多、流动性过快的问题。"
    series = _ordinal_series(second, passage)
    assert series.startswith("一是政策解读质量仍需提升") and "二是政务公开队伍建设" in series
    assert _ordinal_series("（一）存在的主要问题。", passage) == "（一）存在的主要问题。"


# 上海市普陀区财政局2024年度部门决算: each line's change is explained in the sentence after it
PUTUO_OFFICE = ("机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。主要原因是优化办公环境、提升照明效率，"
                "更换了老旧照明设施，导致相关支出略有增加。")
PUTUO_IT = ("3、一般公共服务支出（类）财政事务（款）信息化建设（项）。主要用于：信息化系统日常维护费等支出。"
            "年初预算为135.90万元，支出决算为135.25万元。决算数小于预算数的主要原因：因产业政策扶持资金管理系统项目进度，调减相关经费。")
PUTUO_TOTAL = ("一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。"
               "决算数小于预算数的主要原因：因年度工作计划安排，个别信息化项目和中介机构服务调减。")


def test_a_why_question_is_answered_by_the_sentence_giving_the_cause():
    """"为什么比2023年有所增加": the cause ("主要原因是…") is the answer, not the figure it explains."""
    clause = best_clause(parse_constraints("普陀区财政局的机关运行经费为什么比2023年有所增加？"), [_passage(PUTUO_OFFICE)], {})
    assert clause is not None and "更换了老旧照明设施" in clause.text


def test_a_cause_explains_the_item_its_passage_opens_with():
    """Two causes "决算数小于预算数的主要原因：…": the one in the passage of the item asked (信息化建设)."""
    passages = [_passage(PUTUO_TOTAL), _passage(PUTUO_IT)]
    clause = best_clause(parse_constraints("普陀区财政局2024年信息化建设的钱为什么没用满预算？"), passages, {})
    assert clause is not None and "产业政策扶持资金管理系统" in clause.text
    clause = best_clause(parse_constraints("普陀区财政局2024年一般公共预算财政拨款为什么没花完年初预算？"), passages, {})
    assert clause is not None and "中介机构服务调减" in clause.text


# 宁波市献血条例 第二十五条 (laws corpus)
BLOOD = ("第二十五条 献血者及其亲属临床用血的，持有效身份证件等材料，按照下列规定免交临床用血费用：\n"
         "（一）献血者捐献全血累计达四百毫升以上的，本人终身免交临床用血费用；不足四百毫升的，自献血之日起五年内按照不超过"
         "献血量的五倍免交临床用血费用，五年后免交与献血量等量的临床用血费用；")


def test_a_volume_in_millilitres_is_a_figure():
    """"多少毫升": 四百毫升 is the figure asked; the 五年 and 五倍 of the next bracket are not."""
    question = "按照宁波市献血条例，献全血累计达到多少毫升，献血者本人可以终身免交临床用血费用？"
    assert "毫升" in expected_kinds(question)
    clause = best_clause(parse_constraints(question), [_law(BLOOD)], {})
    assert clause is not None and "四百毫升以上" in clause.text and "终身" in clause.text


def test_a_blank_at_the_end_of_the_question_is_filled_by_the_sentence_writing_its_lead():
    """山西品牌丝路行 (shared/corpus/real): "…是发展对华关系的什么" → "也是发展对华关系的排头兵", two sentences
    after the one naming the speaker."""
    text = ("中国驻圣保罗总领馆副总领事孙仁安在致辞中说，圣保罗是巴西乃至南美最大的经济、贸易、商业、金融、物流和交通中心，"
            "是巴西经济的“火车头”。这里聚集了超过90%的在巴中国移民和近200家中资企业，也是发展对华关系的排头兵。")
    clause = best_clause(parse_constraints("除了“火车头”，孙仁安还说圣保罗是发展对华关系的什么？"), [_passage(text)], {})
    assert clause is not None and "排头兵" in clause.text


# 道路交通安全违法行为记分管理办法 第二十五条, 第二十七条 (laws corpus)
POINTS_CAP = ("第二十五条 机动车驾驶人处理完交通违法行为记录后累积记分未满12分，参加公安机关交通管理部门组织的交通安全教育并达到"
              "规定要求的，可以申请在机动车驾驶人现有累积记分分值中扣减记分。在一个记分周期内累计最高扣减6分。")
POINTS_STEP = "参加公安机关交通管理部门组织的交通安全公益活动的，满一小时为一次，一次扣减1分。"


def test_the_most_asked_is_the_bound_a_rule_states():
    """"最多能扣减几分" is answered by the cap ("累计最高扣减6分"), "一次扣减几分" by the step (1分)."""
    passages = [_law(POINTS_STEP), _law(POINTS_CAP)]
    clause = best_clause(parse_constraints("参加交通安全教育可以扣减记分，一个记分周期内最多能扣减几分？"), passages, {})
    assert clause is not None and "6分" in clause.focus
    clause = best_clause(parse_constraints("参加交通安全公益活动，一次扣减几分？"), passages, {})
    assert clause is not None and "1分" in clause.focus


def test_a_bound_is_a_figure_with_its_bound_word():
    from rag.answer_shape import states_asked_bound

    assert states_asked_bound("最多罚多少钱？", "处二百元以上五百元以下罚款") is True
    assert states_asked_bound("最多罚多少钱？", "有以下情形之一的，不予受理") is False
    assert states_asked_bound("至少要工作几年？", "累计缴费满十五年以上") is True
    assert states_asked_bound("罚多少钱？", "处二百元罚款") is None


def test_a_sentence_introducing_what_the_next_passage_lists_is_not_quoted():
    """普陀 决算: "…编制范围的单位包括：" closes its passage (the units are rows of the next table); quoting it
    would answer "包括：。" with nothing."""
    from rag.extractive import best_sentences

    head = _passage("从预算单位构成看，上海市普陀区财政局部门决算包括：上海市普陀区财政局本级决算、下属行政事业单位决算。"
                    "纳入上海市普陀区财政局2024年度部门决算编制范围的单位包括：")
    question = "纳入上海市普陀区财政局2024年度部门决算编制范围的单位有哪些？"
    clause = best_clause(parse_constraints(question), [head], {})
    assert clause is None or not clause.text.rstrip().endswith("：")
    assert all(not e.sentence.endswith("：") for e in best_sentences(question, [head], min_coverage=0.0))


def test_a_total_asked_is_the_clause_stating_the_total():
    """人社部 bulletin: "农民工一共有多少人" is the 总量, not the 外出 part."""
    parts = _passage("其中，本地农民工12372万人，增长2.4%；外出农民工17190万人，增长0.1%。")
    total = _passage("2022年全国农民工总量29562万人，比上年增长1.1%。")
    clause = best_clause(parse_constraints("2022年全国农民工一共有多少人？"), [parts, total], {})
    assert clause is not None and "29562万人" in clause.text


def test_which_countries_is_answered_by_a_run_of_place_names():
    """山西品牌丝路行: "在哪些国家举行" → "在巴西、乌拉圭、阿根廷举行", not a run of slogans."""
    purpose = _passage("举办山西品牌丝路行（南美站）活动，是我省贯彻落实习近平总书记视察山西重要讲话精神、积极主动融入"
                       "“一带一路”建设、加快构建内陆地区对外开放新高地的具体举措。")
    stops = _passage("跨越千山万水，行程近两万公里，山西品牌丝路行首次登陆巴西，刷新“走出去”的最远纪录。"
                     "南美站活动将先后在巴西、乌拉圭、阿根廷举行（张巨峰）")
    clause = best_clause(parse_constraints("山西品牌丝路行南美站活动将在哪些国家举行？"), [purpose, stops], {})
    assert clause is not None and "乌拉圭" in clause.text


def test_how_far_asks_a_distance():
    assert asks_for_figure(parse_constraints("山西品牌丝路行（南美站）行程有多远？"))
    clause = best_clause(parse_constraints("山西品牌丝路行（南美站）行程有多远？"),
                         [_passage("跨越千山万水，行程近两万公里，山西品牌丝路行首次登陆巴西，刷新“走出去”的最远纪录。")], {})
    assert clause is not None and "两万公里" in clause.text


def test_a_rule_is_quoted_with_the_extension_or_exception_that_follows_it():
    """医疗纠纷预防和处理条例 第二十六条: the time limit and its extension are one rule; the quote keeps both."""
    article = ("第二十六条 患者死亡，医患双方对死因有异议的，应当在患者死亡后48小时内进行尸检；具备尸体冻存条件的，可以延长至7日。"
               "尸检应当经死者近亲属同意并签字，拒绝签字的，视为死者近亲属不同意进行尸检。")
    clause = best_clause(parse_constraints("患者死亡后，医患双方对死因有异议的，应当在多长时间内进行尸检？"), [_law(article)], {})
    assert clause is not None and "48小时内" in clause.text and "可以延长至7日" in clause.text
    # a report's "；" separates items: the next item is not quoted with this one
    clause = best_clause(parse_constraints("长清区生物医药产业母基金规模是多少？"), [_passage(CHANGQING_PROJECTS)], {})
    assert clause is not None and "长安新能源客车" not in clause.text


def test_a_time_is_the_time_of_the_act_written_after_it():
    """企业信息公示暂行条例 第八条: "于每年1月1日至6月30日，通过…报送上一年度年度报告": the dates are when the
    report is filed, which the clauses after them say; "什么时间段" asks when, it is no topic word."""
    filing = _law("第八条 企业应当于每年1月1日至6月30日，通过企业信用信息公示系统向工商行政管理部门报送上一年度年度报告，并向社会公示。")
    correction = _law("企业发现其公示的信息不准确的，应当及时更正；但是，企业年度报告公示信息的更正应当在每年6月30日之前完成。")
    question = "按照《企业信息公示暂行条例》，企业应当在每年什么时间段报送上一年度年度报告并向社会公示？"
    assert [t.word for t in focus_terms(parse_constraints(question))][:2] == ["报送", "年度"]
    clause = best_clause(parse_constraints(question), [correction, filing], {})
    assert clause is not None and "1月1日至6月30日" in clause.text


def test_an_answer_whose_one_new_character_is_the_figure_restates_nothing():
    """温州市养犬管理条例: the question copies the article, and 十 is all the answer adds."""
    from rag.answerability import restates_question

    question = "限养区内的养犬人应当自首次取得犬只狂犬病免疫证明之日起几日内办理犬只初始登记？"
    assert not restates_question(question, "养犬人应当自首次取得犬只狂犬病免疫证明之日起十日内办理犬只初始登记。")
    assert restates_question("结对的是哪个县？", "结对的是县。")


def test_how_often_is_answered_by_the_period():
    """全国社会保障基金条例 第二十二条: "多长时间…审计一次" is answered by 每年; its 一次 is the question's own."""
    article = _law("第二十二条 审计署应当对全国社会保障基金每年至少进行一次审计。审计结果应当向社会公布。")
    question = "按照《全国社会保障基金条例》，审计署多长时间至少要对全国社会保障基金审计一次？"
    clause = best_clause(parse_constraints(question), [article], {})
    assert clause is not None and "每年至少进行一次审计" in clause.text


def test_a_period_led_predicate_speaks_of_the_clause_before():
    """控制对企业进行经济检查的规定 第七条: "税务机关对同一企业的税务检查，每年不得超过两次"."""
    article = _law("第七条 税务机关对企业进行税务检查，应当按照归口管理、统一检查的原则，由国税机关、地税机关按照检查计划联合组织实施。"
                   "税务机关对同一企业的税务检查，每年不得超过两次。")
    clause = best_clause(parse_constraints("税务机关对同一家企业的税务检查一年最多能搞几次？"), [article], {})
    assert clause is not None and "两次" in clause.focus


def test_a_short_sentence_goes_on_about_the_one_before():
    """反有组织犯罪法 第十九条: "报告期限不超过五年。" names neither who reports nor what."""
    article = _law("第十九条 对因组织、领导黑社会性质组织被判处刑罚的人员，设区的市级以上公安机关可以决定其自刑罚执行完毕之日起，"
                   "按照国家有关规定向公安机关报告个人财产及日常活动。报告期限不超过五年。")
    question = "因组织、领导黑社会性质组织被判刑的人，刑满后向公安机关报告个人财产和日常活动，报告期限最长多久？"
    clause = best_clause(parse_constraints(question), [article], {})
    assert clause is not None and "五年" in clause.text


# 山西品牌丝路行（南美站）正式启动 (shared/corpus/real, HTML news page), three sentences as indexed
SHANXI_LEADER = ("山西代表团团长、省贸促会会长陈河才介绍，近年来，山西与巴西交流交往日益活跃。两地路途遥远，但合作潜力巨大。"
                 "山西在新能源、特色农业、节能环保、装备制造、基础设施建设等方面具有发展优势，与巴西在许多领域互为市场。")
SHANXI_START = ("当地时间9月16日下午，2019年山西品牌丝路行（南美站）活动在巴西圣保罗正式启动，"
                "并成功举办中国（山西）－巴西双向经贸投资推介会。")
SHANXI_PURPOSE = ("举办山西品牌丝路行（南美站）活动，是我省贯彻落实习近平总书记视察山西重要讲话精神、积极主动融入“一带一路”建设、"
                  "加快构建内陆地区对外开放新高地的具体举措。")


def test_the_asking_clause_chooses_the_sentence_when_another_clause_only_frames_the_question():
    """"据…陈河才介绍，山西在哪些方面具有发展优势？": the sentence naming the speaker is the frame, not the answer."""
    # the words' weights in the index of shared/corpus/real and the demo: 代表团 and 团长 are rarer than 优势
    idf = {"代表团": 2.33, "团长": 2.57, "介绍": 1.96, "具有": 1.71, "发展": 0.32, "优势": 1.25}
    clause = best_clause(parse_constraints("据山西代表团团长陈河才介绍，山西在哪些方面具有发展优势？"), [_passage(SHANXI_LEADER)], idf)
    assert clause is not None and "新能源、特色农业" in clause.text and "陈河才" not in clause.text


def test_why_an_act_is_done_is_answered_by_its_purpose():
    """"为什么要办…活动": "举办…活动，是…的具体举措" gives the purpose; the sentence reporting the opening does not."""
    passages = [_passage(SHANXI_START), _passage(SHANXI_PURPOSE)]
    clause = best_clause(parse_constraints("山西为什么要办品牌丝路行南美站活动？"), passages, {})
    assert clause is not None and "融入“一带一路”建设" in clause.text


# 2023年度人力资源和社会保障事业发展统计公报 (shared/corpus/real, DOCX)
MOHRSS_RATIO = "2022年四季度，岗位空缺与求职人数的比率约1.46，全国人力资源市场用工需求大于劳动力供给，供求总体保持平衡。"


def test_a_ratio_is_a_number_without_a_unit():
    """"比率是多少" is answered by "约1.46"; a rate asked as 率 still wants a percentage."""
    assert "1.46" in _answer("2022年四季度岗位空缺与求职人数的比率是多少？", _passage(MOHRSS_RATIO))
    assert not _answer("2022年四季度的失业率是多少？", _passage(MOHRSS_RATIO))


# 黔东南苗族侗族自治州2023年国民经济和社会发展统计公报: a SYNTHETIC bulletin written for testing (eval/docs/synthetic,
# real place, invented figures); the body writes 全州, one county (凯里市) is named in passing
QDN_CARD = DocumentCard(title="黔东南苗族侗族自治州2023年国民经济和社会发展统计公报", place="黔东南苗族侗族自治州",
                        place_full="贵州省黔东南苗族侗族自治州", year=2023, years=(2023,), kind="统计公报",
                        place_code="522600000000")
QDN_COUNTY = ("全年全州第一、二、三产业对经济增长的贡献率分别为17.6%、15.4%和67.0%，分别拉动地区生产总值增长0.8个、0.7个和3.1个"
              "百分点。分县（市）看，凯里市地区生产总值突破300亿元，经济总量占全州的比重为23.8%；地区生产总值增速高于全州平均水平的"
              "县（市）有9个。")
QDN_GDP = ("初步核算，全年全州地区生产总值1312.47亿元，按不变价格计算，比上年增长4.6%。其中，第一产业增加值266.83亿元，增长3.9%；"
           "第二产业增加值287.91亿元，增长3.2%；第三产业增加值757.73亿元，增长5.4%。")
QDN_RICE = "表2 2023年全州主要农产品产量及其增长速度 | 产品名称：其中：稻谷 | 单位：万吨 | 绝对数：52.18 | 比上年增长（%）：1.2"


def test_a_clause_naming_another_place_does_not_answer_for_the_documents_place():
    """"黔东南州地区生产总值是多少": "凯里市地区生产总值突破300亿元" is one county's, "全年全州…1312.47亿元" the prefecture's."""
    c = parse_constraints("黔东南州2023年地区生产总值是多少？")
    passages = [_passage(QDN_COUNTY), _passage(QDN_GDP)]
    clause = best_clause(c, passages, {}, home_of=lambda doc: QDN_CARD)
    assert clause is not None and "1312.47亿元" in clause.focus
    assert "300亿元" in best_clause(parse_constraints("凯里市2023年地区生产总值是多少？"), passages, {},
                                   home_of=lambda doc: QDN_CARD).focus  # asked for the county, it answers


def test_a_unit_column_gives_the_rows_amounts_their_unit_but_not_their_rates():
    """"单位：万吨 | 绝对数：52.18": 52.18 is an amount in 万吨, so "多少万吨" is answered; its 1.2 is a growth rate."""
    from rag.answerability import clause_sentence

    clause = best_clause(parse_constraints("黔东南州2023年稻谷产量是多少万吨？"), [_passage(QDN_RICE, "table")], {})
    assert clause is not None and "52.18万吨" in clause_sentence(clause)
    growth = best_clause(parse_constraints("黔东南州2023年稻谷产量比上年增长多少？"), [_passage(QDN_RICE, "table")], {})
    assert growth is not None and growth.focus.endswith("1.2%") and "万吨" not in growth.focus


def _extractive(question: str, *passages: Passage, card: DocumentCard = QDN_CARD) -> str:
    from rag.answerability import Gate, extractive_answer

    return extractive_answer(Gate(parse_constraints(question), list(passages), card_of=lambda doc: card))


QDN_TRADE = ("全年全州货物进出口总额8.46亿元，比上年增长12.7%。其中，出口额6.93亿元，增长15.2%；进口额1.53亿元，增长2.7%。"
             "货物进出口顺差5.40亿元，比上年增加0.87亿元。")
# 武汉市江岸区卫生健康局2023年度部门决算 (SYNTHETIC, eval/docs/synthetic)
JIANGAN_TOTAL = ("武汉市江岸区卫生健康局2023年度收入、支出总计均为34199.01万元。与2022年度相比，收入、支出总计各减少2653.63万元，"
                 "下降7.20%。主要原因：一是新冠病毒感染实施“乙类乙管”后，疫情防控相关的核酸检测、集中隔离等支出大幅减少；"
                 "二是上年度一次性安排的社区卫生服务中心设备购置项目本年度未再安排。")


def test_each_of_several_figures_asked_is_quoted():
    """"第一、二、三产业增加值分别是多少" quotes the sentence whose ；-segments give all three; "总额、出口额和进口额
    各是多少" is three parts."""
    answer = _extractive("黔东南州2023年第一、二、三产业增加值分别是多少？", _passage(QDN_GDP))
    assert all(x in answer for x in ("266.83亿元", "287.91亿元", "757.73亿元"))
    assert len(parse_constraints("黔东南州2023年货物进出口总额、出口额和进口额各是多少？").parts) == 3
    answer = _extractive("黔东南州2023年货物进出口总额、出口额和进口额各是多少？", _passage(QDN_TRADE))
    assert all(x in answer for x in ("8.46亿元", "6.93亿元", "1.53亿元"))


def test_a_why_question_quotes_every_cause_of_the_series():
    card = DocumentCard(title="武汉市江岸区卫生健康局2023年度部门决算", place="江岸区", place_full="湖北省武汉市江岸区", year=2023,
                        years=(2023,), kind="预算/决算", place_code="420102000000")
    answer = _extractive("武汉市江岸区卫生健康局2023年度收入、支出总计比2022年度减少的原因是什么？", _passage(JIANGAN_TOTAL), card=card)
    assert "核酸检测、集中隔离等支出大幅减少" in answer and "设备购置项目本年度未再安排" in answer


# laws corpus: 重庆市失业保险条例(2011) 第二十四条 and its neighbour 第二十二条-like deadline; 人身损害赔偿解释(2020) 第十五条
CQ_TERMS = ("第二十四条 失业人员领取失业保险金的期限，根据其失业前所在单位和本人累计缴纳失业保险费的时间确定。具体划分为:\n"
            "（一）累计缴费时间满一年不足两年的为三个月；\n（二）累计缴费时间满两年不足三年的为六个月；\n"
            "（三）累计缴费时间满三年不足四年的为九个月；\n（四）累计缴费时间满四年不足五年的为十二个月；")
CQ_DEADLINE = ("失业人员自原单位签发有关证件之日起六十日内，到户口所在区县（自治县）失业保险经办机构办理失业登记和"
               "申领失业保险金手续。")
DEATH = ("第十五条 死亡赔偿金按照受诉法院所在地上一年度城镇居民人均可支配收入或者农村居民人均纯收入标准，按二十年计算。"
         "但六十周岁以上的，年龄每增加一岁减少一年；七十五周岁以上的，按五年计算。")


def test_a_numbered_item_speaks_of_what_its_list_lead_names_and_its_own_condition_is_a_bracket():
    """"交了三年半…最多能领多长时间": the item whose own condition (满三年不足四年的) holds 42 months, read with
    the 失业保险金 期限 its list names, not the deadline to register that names every word of the question."""
    answer = _answer("我在重庆上班，单位一共给我交了三年半的失业保险，现在失业了，最多能领多长时间的失业保险金？",
                     _passage(CQ_TERMS), _passage(CQ_DEADLINE),
                     idf={"上班": 4.86, "单位": 0.56, "失业": 2.86, "保险": 1.69, "保险金": 5.44})
    assert "九个月" in answer


def test_last_years_income_standard_is_no_length_of_time():
    """"按几年计算" for 75 and over: 按五年计算; "上一年度…收入标准" states no number of years."""
    article = _passage(DEATH, section=("最高人民法院关于审理人身损害赔偿案件适用法律若干问题的解释",))
    assert "五年" in _answer("人身损害赔偿案件中，七十五周岁以上的受害人死亡的，死亡赔偿金按几年计算？", article)


# laws corpus: 嘉兴市餐饮业油烟管理办法(2020-04-10), one paragraph
KITCHEN = "餐饮业经营者应当及时清洗维护油烟净化设施、烟道，保持正常使用，如实记录清洗维护信息，信息保存期限不少于两年。"


def test_a_clause_taking_up_the_noun_the_clause_before_ends_on_speaks_of_it():
    """"…记录清洗维护信息，信息保存期限不少于两年": the 两年 is how long the cleaning records are kept."""
    question = "我在嘉兴开了家炒菜馆，油烟净化器和烟道的清洗保养记录要留多久？"
    assert "两年" in _answer(question, _passage(KITCHEN), idf={"炒菜": 7.05, "油烟": 6.29, "净化器": 11.57, "烟道": 6.21,
                                                            "清洗": 3.69, "保养": 3.6, "记录": 1.73})


# 长清区2024年政府工作报告 (demo), as indexed: a claim and the sentence that bears it out
CHANGQING_TALENT = ("我们有科研人才优势。长清大学城聚集了13所高校近20万师生，国家及省部级科研实验机构200多个，"
                    "副教授以上高级人才5000余名，这是其他任何地方都无法比拟的先天优势。")
# 2023年度人力资源和社会保障事业发展统计公报 (shared/corpus/real): visits and card holders
MOHRSS_CARDS = ("国家社保公共服务平台全年访问量超过14.88亿人次。年末全国社会保障卡持卡人数达13.79亿人，覆盖97.7%人口。")


def test_why_it_is_said_is_answered_by_the_sentence_after_the_claim():
    """"为什么说长清有科研人才优势": "我们有科研人才优势。" only repeats the claim; the next sentence says why."""
    answer = _extractive("长清区政府工作报告为什么说长清有科研人才优势？", _passage(CHANGQING_TALENT))
    assert "13所高校近20万师生" in answer


def test_people_are_not_visits_and_a_hedge_names_nothing():
    """"多少人" is not answered by 亿人次; "差不多覆盖了多少比例" asks the 覆盖 share, 差不多 is no word of it."""
    from rag.constraints import kind_matches

    asked = expected_kinds("到2023年底，全国有多少人手里有社保卡？")
    assert not kind_matches(asked, "人次") and kind_matches(asked, "人")
    answer = _answer("到2023年底，全国社会保障卡持卡人数有多少人？", _passage(MOHRSS_CARDS))
    assert "13.79亿人" in answer and "人次" not in answer
    assert "差不多" not in {t.word for t in parse_constraints("差不多覆盖了多少比例的人？").terms}


CHANGQING_BONDS = ("谋划新增国债项目27个，总投资49.2亿元，储备政府专项债项目31个，总投资309.6亿元，其中8个项目已获债券资金"
                   "9.22亿元，同比增长63.5%。")
CHANGQING_REVENUE = "完成一般公共预算收入30.24亿元、增长29.2%，规模以上工业增加值增长12.2%。"


def test_a_growth_rate_belongs_to_what_its_sentence_names():
    """"固定资产投资增长了多少": the 63.5% is the growth of 债券资金 in a sentence that never names 固定资产; the
    report gives no investment growth, so nothing answers."""
    idf = {"固定资产": 1.97, "投资": 0.76, "增长": 0.76}
    assert not _answer("2023年长清区固定资产投资增长了多少？", _passage(CHANGQING_BONDS), idf=idf)
    assert "29.2%" in _answer("2023年长清区一般公共预算收入增长了多少？", _passage(CHANGQING_REVENUE))


# 关于绍兴市2023年预算执行情况和2024年预算草案的报告 (SYNTHETIC, eval/docs/synthetic/set2)
SHAOXING_CARD = DocumentCard(title="关于绍兴市2023年预算执行情况和2024年预算草案的报告", place="绍兴市", place_full="浙江省绍兴市",
                             year=2023, years=(2023, 2024), kind="预算/决算", date="2024-01-23", place_code="330600000000")
SHAOXING_REVENUE = "市级一般公共预算收入128.65亿元，完成预算的101.5%，增长6.8%。"
SHAOXING_TOTAL = "全市一般公共预算收入612.85亿元，完成预算的102.3%，增长7.6%。"
SHAOXING_COMMUNITY = ("城乡社区支出24.02亿元，下降2.5%。主要是严控一般性基础设施投入，城中村改造等项目更多通过专项债券和市场化方式"
                      "筹资。")


def test_a_part_that_opens_with_a_predicate_goes_on_about_the_quantity_before_it():
    """"…是多少？比上年增长多少？" and "…完成预算的百分之多少？": the second part's subject is the first part's."""
    answer = _extractive("绍兴市2023年市级一般公共预算收入是多少？比上年增长多少？", _passage(SHAOXING_REVENUE),
                         card=SHAOXING_CARD)
    assert "128.65亿元" in answer and "6.8%" in answer
    answer = _extractive("绍兴市去年全市一般公共预算收入是多少？完成预算的百分之多少？", _passage(SHAOXING_TOTAL),
                         card=SHAOXING_CARD)
    assert "612.85亿元" in answer and "102.3%" in answer


def test_mainly_opens_the_cause_of_the_change_before_it():
    answer = _extractive("绍兴市2024年市级城乡社区支出为什么比上年减少？", _passage(SHAOXING_COMMUNITY), card=SHAOXING_CARD)
    assert "严控一般性基础设施投入" in answer


def test_a_citys_whole_city_figure_does_not_answer_for_its_province():
    """"浙江省2023年全省一般公共预算收入": the 绍兴 report's 全市 figure is the city's."""
    c = parse_constraints("浙江省2023年全省一般公共预算收入是多少？")
    assert best_clause(c, [_passage(SHAOXING_TOTAL)], {}, home_of=lambda doc: SHAOXING_CARD) is None
    assert best_clause(parse_constraints("绍兴市2023年全市一般公共预算收入是多少？"), [_passage(SHAOXING_TOTAL)], {},
                       home_of=lambda doc: SHAOXING_CARD) is not None


def test_a_rate_per_mille_is_a_rate():
    assert expected_kinds("凤阳县2022年人口自然增长率是多少？") == {"percent"}
    assert "-1.52‰" in _answer("凤阳县2022年人口自然增长率是多少？", _passage("全县人口出生率5.86‰，人口自然增长率-1.52‰。"))


# 济南市长清区2024年政府工作报告 (the demo document), as its paragraphs read once the PDF's line breaks are joined
CHANGQING_CHALLENGES = ("同时，我们也必须清醒看到面临的困难和挑战：经济实力偏弱，发展质量还不够高；重点项目偏少，产业体系还不健全；"
                        "财政保障较弱，基础设施、公共服务、基层治理还有短板；干部思想、能力和知识储备还有差距，等等。"
                        "我们要系统谋划、着力克服。")
CHANGQING_BUILDING = ("建筑业是长清的优势产业、支柱产业，当前面临着竞争加剧、拓展趋缓、资金紧张等困难和挑战，今年我们将在融资、"
                      "场景、人才、市场等方面给予政策扶持。")
CHANGQING_AREAS = ("聚焦新能源汽车装备及零部件、生物医药两大主导产业发展，深入推进产教融合、改革创新和优化环境，加快高铁片区、"
                   "中川湾片区、农批市场片区和大学园片区四大片区开发建设。")
CHANGQING_RAIL_AREA = ("大力发展大型商住综合体，推进汉云谷产业园绿色金融总部、清河坊商业街、黄河城市广场等项目建设，"
                       "加快中川街等道路基础设施建设，加大片区配套，增强产业承载力。")


def test_a_list_is_the_series_its_asked_noun_opens_with_a_colon():
    """"面临哪些困难和挑战": the series after "困难和挑战：" is quoted whole, every ；-item, not its first
    comma clause (which other industries' "竞争加剧、…等困难和挑战" would outweigh)."""
    from rag.answerability import _in_series, list_clause

    c = parse_constraints("报告里提到长清当前面临哪些困难和挑战？")
    clause = best_clause(c, [_passage(CHANGQING_CHALLENGES)], {})
    assert clause is not None
    quoted = list_clause(clause, CHANGQING_CHALLENGES).text
    for item in ("经济实力偏弱", "重点项目偏少", "财政保障较弱", "干部思想、能力和知识储备还有差距"):
        assert item in quoted
    assert not _in_series(CHANGQING_BUILDING, CHANGQING_BUILDING)  # a 、-run is no series


def test_a_list_told_in_parallel_statements_is_quoted_statement_by_statement():
    """"长清有哪些优势": "我们有产业优势。…我们有交通优势。…" is a list, as one passage or cut over two."""
    from rag.answerability import list_clause
    from rag.list_continuation import continued

    first = ("我们有信心、有底气在发挥自身优势中实现跨越赶超。我们有产业优势。去年以来，区委、区政府谋划确定了“2+2”的产业体系。"
             "我们有交通优势。济郑高铁全线开通，让我们迈入“高铁”时代。")
    second = "我们有生态优势。南倚泰山、西临黄河。我们有科研人才优势。长清大学城聚集了13所高校。我们有干部优势。近年来，干部得到锤炼。"
    chunks = [Chunk(chunk_id=str(i), text=t, origin=Origin(doc="d", section=("察势者智",), page=1, kind="text"))
              for i, t in enumerate((first, second))]
    whole = continued(Passage(chunk=chunks[0], score=1.0, rank=1, row=0), chunks)
    clause = best_clause(parse_constraints("政府工作报告认为长清在发展上有哪些优势？"), [whole], {})
    assert clause is not None
    quoted = list_clause(clause, whole.text).text
    assert all(f"我们有{x}优势" in quoted for x in ("产业", "交通", "生态", "科研人才", "干部"))


def test_a_list_is_an_enumeration_of_the_noun_asked():
    """"高铁片区推进哪些项目建设": the 、-run that ends on 项目, not the one of 片区 that names 高铁片区."""
    from rag.answerability import asked_list_head

    assert asked_list_head("高铁片区今年要推进哪些项目建设？") == "项目"
    assert asked_list_head("长清确定的“2+2”产业体系具体是哪几个产业？") == "产业"
    assert asked_list_head("县级财力优先保障哪几个方面？") is None  # 方面 names no noun to match
    clause = best_clause(parse_constraints("高铁片区今年要推进哪些项目建设？"),
                         [_passage(CHANGQING_AREAS), _passage(CHANGQING_RAIL_AREA)], {})
    assert clause is not None and "黄河城市广场" in clause.text


def test_a_figure_counting_a_group_does_not_answer_for_one_of_its_members():
    """"新增省级瞪羚、专精特新中小企业38家" counts both kinds: it answers for the pair, not for 专精特新 alone."""
    stated = _passage("加大企业培育，17家企业入选全市民营企业100强榜单，冶金化工、大华医特获评国家级专精特新“小巨人”企业，"
                      "全区新增省级瞪羚、专精特新中小企业38家。")
    # …nor does the statement's other clause, which names less of what is asked
    assert _answer("去年长清新增的省级专精特新企业单独算有多少家？", stated) == ""
    assert "38家" in _answer("去年长清新增省级瞪羚、专精特新中小企业多少家？", stated)
    assert "17家" in _answer("去年长清有多少家企业入选全市民营企业100强榜单？", stated)


def test_a_bound_written_in_words_is_the_same_bound():
    """"超过30万元的村" is the bound 30万元以上: "集体收入20万元以上村超70%" counts other villages."""
    from rag.conditions import misses_threshold

    assert misses_threshold("村集体年收入超过30万元的村占多大比例？", "集体收入20万元以上村超70%")
    assert not misses_threshold("村集体年收入超过20万元的村占多大比例？", "集体收入20万元以上村超70%")
    assert _answer("长清去年村集体年收入超过30万元的村占多大比例？", _passage("集体收入20万元以上村超70%。")) == ""


def test_who_delivered_the_report_is_the_name_on_its_cover():
    """"这份政府工作报告是谁作的": the question names only the document (its card's title), and the cover line
    "济南市长清区区长 王士强" names the speaker; the sentences that share more words name nobody."""
    card = DocumentCard(title="政府工作报告", place="长清区", place_full="济南市长清区", year=2024)
    cover = _passage("——2024年1月17日在济南市长清区第十八届人民代表大会第三次会议上\n济南市长清区区长 王士强")
    opening = _passage("现在，我代表区人民政府向大会报告工作，请予审议，并请各位政协委员和其他列席同志提出意见。")
    clause = best_clause(parse_constraints("这份政府工作报告是谁作的？"), [opening, cover], {}, None, lambda doc: card)
    assert clause is not None and "王士强" in clause.text


# 山西省人民政府门户网站 2019 news page (shanxi-gov-2019-brand-silk-road-news.html), two sentences as indexed
SHANXI_OPENING = ("跨越千山万水，行程近两万公里，山西品牌丝路行首次登陆巴西，刷新“走出去”的最远纪录。当地时间9月16日下午，"
                  "2019年山西品牌丝路行（南美站）活动在巴西圣保罗正式启动，并成功举办中国（山西）－巴西双向经贸投资推介会。")
SHANXI_SPEECH = ("中国驻圣保罗总领馆副总领事孙仁安在致辞中说，圣保罗是巴西乃至南美最大的经济、贸易、商业、金融、物流和交通中心，"
                 "是巴西经济的“火车头”。这里聚集了超过90%的在巴中国移民和近200家中资企业，也是发展对华关系的排头兵。")


def test_a_bare_how_many_is_not_answered_by_a_date():
    """"有多少" asks a quantity: 9月16日 and 2019年 say when, so the sentence that names 巴西 and 圣保罗 beside a
    date loses to the one that gives the share."""
    section = ("山西品牌丝路行（南美站）正式启动",)
    opening, speech = _passage(SHANXI_OPENING, section=section), _passage(SHANXI_SPEECH, section=section)
    idf = {"移民": 2.0, "巴西": 0.8, "圣保罗": 1.0}  # 移民 is the rare word of the page
    assert "90%" in _answer("在巴西的中国移民有多少住在圣保罗？", opening, speech, idf=idf)
    assert _answer("在巴西的中国移民有多少住在圣保罗？", opening, idf=idf) == ""  # the date alone answers nothing
    assert "2019" in _answer("山西品牌丝路行南美站是哪一年启动的？", opening)  # a date asked is still a date


def test_how_far_is_answered_by_a_distance():
    """"跑了多远" asks a distance: 近两万公里 answers though its clause names neither 代表团 nor 南美."""
    assert expected_kinds("山西代表团这趟去南美跑了多远的路？") == expected_kinds("两地距离是多少？")
    section = ("山西品牌丝路行（南美站）正式启动",)
    assert "两万公里" in _answer("山西代表团这趟去南美跑了多远的路？", _passage(SHANXI_OPENING, section=section))
    assert _answer("山西代表团这趟去南美跑了多远的路？", _passage(SHANXI_SPEECH, section=section)) == ""


def test_a_sibling_indicators_figure_does_not_answer():
    # 人力资源和社会保障事业发展统计公报 (shared/corpus/real): the rate given is the 工伤保险 one
    injury = _passage("年末全国参加工伤保险人数30174万人，比上年末增加1057万人。全国新开工工程建设项目工伤保险参保率99.6%。")
    assert "99.6%" in _answer("全国新开工工程建设项目工伤保险参保率是多少？", injury)
    assert _answer("全国新开工工程建设项目失业保险参保率是多少？", injury) == ""


def test_a_later_article_of_a_passage_is_read_with_its_own_lead():
    """A passage of 耕地占用税法 holds 第九条 and 第十条: the 三十日 sentence speaks of 第十条's 纳税义务 (when the
    书面通知 arrives), not of 第九条's 税务机关. Weights as the laws archive gives them."""
    text = ("第九条 耕地占用税由税务机关负责征收。\n第十条 耕地占用税的纳税义务发生时间为纳税人收到自然资源主管部门办理占用"
            "耕地手续的书面通知的当日。纳税人应当自纳税义务发生之日起三十日内申报缴纳耕地占用税。")
    idf = {"占用": 2.83, "耕地": 2.73, "厂房": 4.87, "收到": 2.03, "自然资源": 2.2, "部门": 0.4, "办理": 1.27,
           "占地": 3.53, "手续": 1.85, "书面通知": 5.69, "申报": 2.5, "缴纳": 2.82}
    question = "占用耕地建厂房，收到自然资源部门办理占地手续的书面通知后，多少天内要申报缴纳？"
    assert "三十日内" in _answer(question, _passage(text), idf=idf)


# 北京市生活垃圾管理条例 (2020): the duty (第三十三条) and the article that punishes its breach by number,
# with one bracket for 单位 and a graded one for 个人
REFUSE_DUTY = ("第三十三条 产生生活垃圾的单位和个人是生活垃圾分类投放的责任主体，应当按照下列规定分类投放生活垃圾：\n"
               "（一）按照厨余垃圾、可回收物、有害垃圾、其他垃圾的分类，分别投入相应标识的收集容器；")
REFUSE_PENALTY = ("第六十七条 单位违反本条例第三十三条规定，由城市管理综合执法部门责令立即改正，处1000元罚款；"
                  "再次违反规定的，处1万元以上5万元以下罚款。\n"
                  "个人违反本条例第三十三条规定，由生活垃圾分类管理责任人进行劝阻；对拒不听从劝阻的，生活垃圾分类管理责任人"
                  "应当向城市管理综合执法部门报告，由城市管理综合执法部门给予书面警告；再次违反规定的，处50元以上200元以下罚款。")


def test_how_a_breach_is_punished_is_answered_by_the_sanction_for_the_asked_actor():
    from rag.answerability import sanction_sentence

    duty, penalty = _law(REFUSE_DUTY), _law(REFUSE_PENALTY)
    clause = best_clause(parse_constraints("北京市生活垃圾管理条例对个人不按规定分类投放垃圾如何处罚？"), [duty, penalty], {})
    assert clause is not None and clause.marker == 2  # the penalty article, not the duty it cites by number
    assert "1000元" not in clause.text  # the 单位's bracket punishes another actor
    whole = sanction_sentence(clause.text, penalty.chunk.text)
    assert "书面警告" in whole and "50元以上200元以下罚款" in whole  # every graded step of the rule

    firm = best_clause(parse_constraints("单位不按规定分类投放生活垃圾的，会怎么处罚？"), [duty, penalty], {})
    assert firm is not None and "1000元" in sanction_sentence(firm.text, penalty.chunk.text)


def test_a_rule_that_scales_other_articles_fines_punishes_no_act_of_its_own():
    from rag.answerability import punishes_one_breach

    assert punishes_one_breach(REFUSE_PENALTY.split("\n")[1])  # 个人违反本条例第三十三条规定，…
    # 反垄断法 (2022) 第六十三条
    assert not punishes_one_breach("第六十三条 违反本法规定，情节特别严重、影响特别恶劣、造成特别严重后果的，国务院反垄断执法机构"
                                   "可以在本法第五十六条、第五十七条、第五十八条、第六十二条规定的罚款数额的二倍以上五倍以下确定具体罚款数额。")


# 职工带薪年休假条例 (2007) 第三条, 第五条 and 企业职工带薪年休假实施办法 (2008) 第十条: the rule and its implementing rule
LEAVE_DAYS = "第三条 职工累计工作已满1年不满10年的，年休假5天；已满10年不满20年的，年休假10天；已满20年的，年休假15天。"
LEAVE_PAY = ("单位确因工作需要不能安排职工休年休假的，经职工本人同意，可以不安排职工休年休假。对职工应休未休的年休假天数，"
             "单位应当按照该职工日工资收入的300%支付年休假工资报酬。")
LEAVE_PAY_RULES = ("第十条 用人单位经职工同意不安排年休假或者安排职工年休假天数少于应休年休假天数，应当在本年度内对职工应休未休"
                   "年休假天数，按照其日工资收入的300%支付未休年休假工资报酬，其中包含用人单位支付职工正常工作期间的工资收入。")


def _in(doc: str, text: str) -> Passage:
    return Passage(chunk=Chunk(chunk_id=str(hash(doc + text)), text=text, origin=Origin(doc=doc, page=None)), score=1.0, rank=1)


def test_the_parts_of_one_question_are_answered_from_one_document_when_it_states_them():
    """Both parts are stated by the 条例; its implementing rule says the second part too, in other words. The
    answer cites the document the first part came from, so both citations open the same law."""
    regulation, rules = "职工带薪年休假条例(2007-12-14).md", "企业职工带薪年休假实施办法(2008-07-17).md"
    answer = _extractive("我累计工作了12年，每年能休几天年假？如果单位安排不了让我休，应休未休的天数怎么补偿？",
                         _in(regulation, LEAVE_PAY), _in(rules, LEAVE_PAY_RULES), _in(regulation, LEAVE_DAYS), card=None)
    assert "年休假10天。[3]" in answer and "300%" in answer
    assert "[2]" not in answer  # the 300% is quoted from the 条例 (passage 1), not from the other document


def _quote(question: str, *passages: Passage) -> str:
    clause = best_clause(parse_constraints(question), list(passages), {})
    return clause.text if clause else ""


def test_a_list_whose_size_is_asked_is_answered_by_a_run_of_that_many():
    """"四大片区是哪四个": the demo report names the four in one 、-run ("高铁片区、中川湾片区、农批市场片区和大学园片区
    四大片区"), while another sentence shares more of the question's words and names none of them."""
    plan = _passage("重点以四大片区建设开发为牵引，打造形成功能完善、结构合理、辐射周边的示范性片区单元，以点带面、联动互促。")
    named = _passage("深入推进产教融合、改革创新和优化环境，加快高铁片区、中川湾片区、农批市场片区和大学园片区四大片区开发建设，"
                     "推动城乡建设、乡村振兴、生态环保、社会治理和民生保障五项重点工作实现全面提升。")
    quote = _quote("今年长清要重点开发建设的四大片区是哪四个？", plan, named)
    assert all(name in quote for name in ("高铁片区", "中川湾片区", "农批市场片区", "大学园片区"))


def test_which_countries_is_answered_by_the_run_of_country_names():
    """shared/corpus/real's 山西 news page: the sentence naming the trip best gives its purpose; the one naming
    巴西、乌拉圭、阿根廷 says where it goes."""
    purpose = _passage("举办山西品牌丝路行（南美站）活动，是我省贯彻落实习近平总书记视察山西重要讲话精神、积极主动融入“一带一路”建设、"
                       "加快构建内陆地区对外开放新高地的具体举措。")
    route = _passage("山西品牌丝路行主题为“走丝绸之路，促合作共赢”。南美站活动将先后在巴西、乌拉圭、阿根廷举行。（张巨峰）")
    assert "巴西、乌拉圭、阿根廷" in _quote("山西品牌丝路行南美站要去哪几个国家？", purpose, route)


def test_how_much_it_changed_is_answered_by_the_change_not_the_level():
    """普陀区财政局's accounts (shared/corpus/real): "比2023年度变化了多少" asks the 减少56.95万元 of the sentence
    after the total, though both name the 收入支出总计."""
    from rag.answerability import part_constraints

    text = ("上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，下降1.87%。"
            "主要原因：基本支出中人员进出及退休变化。")
    parts = part_constraints(parse_constraints("上海市普陀区财政局2024年度收入支出总计是多少？比2023年度变化了多少？"))
    passage = _passage(text, section=("第三部分上海市普陀区财政局2024年度部门决算情况", "一、收入支出决算总体情况说明"))
    focuses = [best_clause(p, [passage], {}).focus for p in parts]
    assert "2995.39" in focuses[0] and "56.95" in focuses[1]


def test_a_cause_is_quoted_with_the_change_it_explains():
    """普陀区财政局's accounts: "为什么增加" is answered by "主要原因是…更换了老旧照明设施", which says nothing of what
    grew or by how much; the sentence before it does (184.65万元, 增加2.55万元)."""
    from rag.answerability import Gate, extractive_answer

    text = ("机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。"
            "主要原因是优化办公环境、提升照明效率，更换了老旧照明设施，导致相关支出略有增加。")
    question = "普陀区财政局2024年机关运行经费为什么比前一年有所增加？"
    answer = extractive_answer(Gate(parse_constraints(question), [_passage(text)]))
    assert "更换了老旧照明设施" in answer and "2.55万元" in answer and "184.65万元" in answer
