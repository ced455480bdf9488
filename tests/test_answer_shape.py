"""The shape of what a question asks (a figure, a list, a sanction) and whether a passage has it; the
excerpts are from laws-cn.tar.xz."""
from __future__ import annotations

from rag.answer_shape import (asks_for_figure, asks_list, asks_sanction, enumerates, lists_asked, states_figure,
                              states_sanction)
from rag.constraints import parse_constraints

# 物业管理条例(2018-03-19).md: the article listing what the owners decide, and the one giving the majority
DECIDES = ("第十一条 下列事项由业主共同决定：\n(一)制定和修改业主大会议事规则；\n(二)制定和修改管理规约；\n"
           "(三)选举业主委员会或者更换业主委员会成员；\n(四)选聘和解聘物业服务企业；\n(五)筹集和使用专项维修资金；")
MAJORITY = ("业主可以委托代理人参加业主大会会议。\n业主大会决定本条例第十一条第(五)项和第(六)项规定的事项，应当经专有部分"
            "占建筑物总面积2/3以上的业主且占总人数2/3以上的业主同意；决定本条例第十一条规定的其他事项，应当经专有部分"
            "占建筑物总面积过半数的业主且占总人数过半数的业主同意。")
# 消费者权益保护法(2013-10-25).md and 侵害消费者权益行为处罚办法(2015-01-05).md
GOODS = ("第二十五条 经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，且无需说明"
         "理由，但下列商品除外:\n（一）消费者定作的；\n（二）鲜活易腐的；\n（三）在线下载或者消费者拆封的音像制品、计算机"
         "软件等数字化商品；\n（四）交付的报纸、期刊。")
CASES = ("第九条 经营者采用网络、电视、电话、邮购等方式销售商品，应当依照法律规定承担无理由退货义务，不得故意拖延或者无理"
         "拒绝。经营者有下列情形之一的，视为故意拖延或者无理拒绝：\n（一）对于适用无理由退货的商品，自收到消费者退货要求之日"
         "起超过十五日未办理退货手续；\n（二）未经消费者确认，以自行规定该商品不适用无理由退货为由拒绝退货；")
# 上海市非机动车安全管理条例(2024-05-10).md: the duty and its penalty clause
DUTY = "禁止携带电动自行车或者其蓄电池进入电梯轿厢。"
PENALTY = ("违反本条例第二十九条第三款规定，携带电动自行车或者其蓄电池进入电梯轿厢的，由城管执法部门、消防救援机构按照"
           "职责分工，处二百元以上五百元以下罚款。")
# 北京市控制吸烟条例(2021-09-24).md
OUTDOOR = ("第十条 下列公共场所、工作场所的室外区域禁止吸烟：\n（一）幼儿园、中小学校、少年宫、儿童福利机构等以未成年人为主要"
           "活动人群的场所；\n（二）对社会开放的文物保护单位；")


def test_a_question_asking_a_number_is_answered_by_a_passage_stating_one():
    c = parse_constraints("依照国务院《物业管理条例》，业主大会决定筹集和使用专项维修资金，需要多少业主同意？")
    assert asks_for_figure(c) and not asks_list(c)
    assert states_figure(c, MAJORITY)  # 2/3
    assert not states_figure(c, DECIDES)  # the item numbers (五) are no figure
    late = parse_constraints("驾驶人在一个记分周期内累积记分满12分，需要参加多少天的学习？")
    assert not states_figure(late, "机动车驾驶人在一个记分周期内累积记分满12分的")  # the question's own figure
    assert states_figure(late, "应当参加为期七天的道路交通安全法律、法规和相关知识学习")  # figures written in Chinese


def test_a_list_question_is_answered_by_the_list_of_what_it_asks():
    c = parse_constraints("网购商品七日无理由退货，哪些商品不适用？")
    assert asks_list(c)
    assert enumerates(GOODS) and enumerates(CASES) and not enumerates(DUTY)
    assert lists_asked(c, GOODS)  # 下列商品
    assert not lists_asked(c, CASES)  # 下列情形: it lists cases, not goods
    smoking = parse_constraints("北京市控制吸烟条例规定，哪些场所的室外区域也禁止吸烟？")
    assert lists_asked(smoking, OUTDOOR)  # "下列公共场所、工作场所的…": the phrase ends in 场所


def test_a_question_asking_the_penalty_is_answered_by_a_sanction():
    c = parse_constraints("在上海把电动自行车或电瓶带进电梯，会怎么处罚？")
    assert asks_sanction(c) and not asks_for_figure(c)
    assert states_sanction(PENALTY) and not states_sanction(DUTY)
    assert asks_sanction(parse_constraints("在上海，个人把湿垃圾和干垃圾混在一起扔，拒不改正的会被罚多少钱？"))
    assert not asks_sanction(parse_constraints("行政处罚的种类有哪些？"))


def test_a_rate_or_a_length_of_time_is_stated_only_by_a_figure_of_that_kind():
    """普陀区财政局2024年度部门决算: the 万元 table does not say what share 基本支出 is; the prose does."""
    share = parse_constraints("普陀区财政局2024年本年支出中，基本支出占多大比例？")
    assert not states_figure(share, "支出决算表（单位：万元） | 项目·科目名称：合计 | 本年支出合计：2,940.05 | 基本支出：2,336.91")
    assert states_figure(share, "本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%")
    limit = parse_constraints("行政违法行为多长时间没被发现就不再处罚？")
    assert not states_figure(limit, "违反本法规定的，处二百元以上五百元以下罚款。")
    assert states_figure(limit, "违法行为在二年内未被发现的，不再给予行政处罚。")
    # an amount may sit bare in a table whose caption gives the unit
    assert states_figure(parse_constraints("基本支出是多少？"), "本年支出合计：2,940.05 | 基本支出：2,336.91")


def test_sentencing_and_times_of_day_are_asked_in_everyday_words():
    assert asks_sanction(parse_constraints("喝醉了开车上路被查到，会被判什么刑？"))
    assert asks_sanction(parse_constraints("偷了一万块钱要坐牢吗？"))
    assert asks_for_figure(parse_constraints("KTV每天哪个时段不允许营业？"))


def test_the_title_whose_holder_is_asked():
    from rag.answer_shape import asked_title, asks_person

    assert asked_title(parse_constraints("山西省贸促会驻巴西代表处的首席代表是谁？")) == "首席代表"
    assert asked_title(parse_constraints("代表团的副团长是谁？")) == "副团长"
    assert asked_title(parse_constraints("中国驻圣保罗总领事（不是副总领事）叫什么名字？")) == "总领事"
    # "谁" alone asks a person or a body, no title: any clause naming one may answer
    assert asked_title(parse_constraints("本条例由谁负责解释？")) == ""
    assert asks_person(parse_constraints("这份报告是谁作的？"))


def test_a_how_much_the_question_quotes_is_no_figure_asked_of_a_why_question():
    """The demo report: "统筹规范督查检查考核工作，不简单以留痕多少评判工作好坏，…为基层和干部“松绑减负”" is asked
    "…不简单以留痕多少评判工作，目的是什么？": a purpose, not a number; a part asking 多少 still asks one."""
    from rag.answer_shape import asks_for_figure, asks_reason
    from rag.constraints import parse_constraints

    c = parse_constraints("报告提出统筹规范督查检查考核、不简单以留痕多少评判工作，目的是什么？")
    assert asks_reason(c) and not asks_for_figure(c)
    assert asks_for_figure(parse_constraints("机关运行经费增加了多少？为什么增加？"))
    assert asks_for_figure(parse_constraints("留痕的工作有多少项？"))
