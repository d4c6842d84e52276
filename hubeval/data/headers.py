"""A dictionary of the column headers of Korean and English firm surveys, for ``hubeval init``.

Korean firm data (기업실태조사, 광업·제조업조사, institute surveys of programme participants) name
the same things in many ways: 사업체번호, 업체코드 or 사업자번호 for the firm, 종사자수 or
상시근로자수 for employment. :func:`propose_columns` maps a file's headers to hubeval's names
(:data:`HEADERS`) and lists the headers it does not know, for the user to map.
"""
from __future__ import annotations

import re

__all__ = ["HEADERS", "normalise_header", "propose_columns"]

#: hubeval name -> headers meaning it (compared after :func:`normalise_header`).
HEADERS: dict[str, tuple[str, ...]] = {
    "firm_id": ("사업체번호", "업체코드", "기업코드", "업체번호", "기업번호", "사업자번호",
                "사업자등록번호", "사업체코드", "업체id", "기업id", "firmid", "firm", "companyid",
                "company", "id"),
    "year": ("연도", "년도", "기준연도", "기준년도", "조사연도", "조사년도", "회계연도", "year", "yr"),
    "cohort": ("참여연도", "참여년도", "지원연도", "지원년도", "선정연도", "선정년도", "사업참여연도",
               "최초참여연도", "cohort", "entryyear", "firsttreated", "programyear"),
    "employment": ("종사자수", "종업원수", "상시근로자수", "상시종업원수", "근로자수", "고용인원",
                   "직원수", "employment", "employees", "workers", "emp"),
    "value_added": ("부가가치", "부가가치액", "valueadded", "va"),
    "sales": ("매출액", "매출", "총매출액", "sales", "revenue", "turnover"),
    "total_cost": ("총비용", "영업비용", "총원가", "totalcost", "costs"),
    "materials_cost": ("재료비", "원재료비", "원자재비", "materialscost", "materials"),
    "labour_cost": ("인건비", "급여총액", "임금총액", "labourcost", "laborcost", "wages", "payroll"),
    "capex": ("설비투자", "설비투자액", "투자액", "유형자산취득액", "capex", "investment"),
    "capital": ("유형자산", "유형자산총액", "유형자산잔액", "capital", "fixedassets", "tangibleassets"),
    "city": ("시군", "시군구", "지역", "소재지", "city", "region"),
    "ksic2": ("업종코드", "산업분류코드", "표준산업분류코드", "ksic", "ksic2", "industrycode"),
    "industry": ("업종명", "업종", "산업", "industry"),
    "size_class": ("규모", "기업규모", "규모구분", "sizeclass", "size"),
    "posco_supplier": ("포스코협력사", "포스코협력사여부", "협력사", "협력사여부", "poscosupplier",
                       "supplier"),
    "metal": ("금속업종", "금속업종여부", "metal"),
    "gwangyang": ("광양소재", "광양소재여부", "gwangyang"),
}

_LOOKUP = {header: name for name, headers in HEADERS.items() for header in headers}


def normalise_header(header) -> str:
    """Lower case, without spaces, ``_ - .`` and a unit in brackets (``'매출액 (백만원)'`` -> ``'매출액'``)."""
    text = re.sub(r"[(\[{<].*?[)\]}>]", "", str(header))
    return re.sub(r"[\s_\-.·]+", "", text).lower()


def propose_columns(headers) -> tuple[dict, list]:
    """Map a file's headers to hubeval's names.

    Parameters
    ----------
    headers : iterable of str
        The file's column headers.

    Returns
    -------
    (dict, list)
        ``{header: hubeval name}`` for known headers (the first header wins when two mean the
        same thing; headers already named as hubeval names are left out), and the headers left
        to map.

    Examples
    --------
    >>> propose_columns(["사업체번호", "연도", "매출액(백만원)", "비고"])
    ({'사업체번호': 'firm_id', '연도': 'year', '매출액(백만원)': 'sales'}, ['비고'])
    """
    mapping, unknown, taken = {}, [], set()
    headers = list(headers)
    for header in headers:
        name = _LOOKUP.get(normalise_header(header))
        if name is None or name in taken or (name in headers and header != name):
            unknown.append(header)
            continue
        taken.add(name)
        if header != name:
            mapping[header] = name
    return mapping, unknown
