/// The food categories of the demo city, their families (categories in one family sit near each
/// other in the embedding space: 마라탕 near 중식, 디저트 near 카페) and what people search for.
struct DemoCategory {
    let name: String
    let family: String
    let keywords: [String]
    let brands: [String]
}

enum DemoCategories {
    static let all: [DemoCategory] = [
        DemoCategory(name: "치킨", family: "fastfood", keywords: ["치킨", "후라이드치킨", "양념치킨", "순살치킨", "닭강정"],
                     brands: ["바삭치킨", "황금올리브", "동네통닭", "크리스피치킨"]),
        DemoCategory(name: "피자", family: "fastfood", keywords: ["피자", "페퍼로니 피자", "고르곤졸라", "포테이토 피자"],
                     brands: ["화덕피자", "피자마을", "도우앤치즈"]),
        DemoCategory(name: "버거", family: "fastfood", keywords: ["햄버거", "수제버거", "치즈버거", "감자튀김"],
                     brands: ["버거공방", "더블패티", "그릴버거"]),
        DemoCategory(name: "중식", family: "chinese", keywords: ["짜장면", "짬뽕", "탕수육", "중국집", "볶음밥"],
                     brands: ["홍콩반점", "만리장성", "신동궁"]),
        DemoCategory(name: "마라탕", family: "chinese", keywords: ["마라탕", "마라샹궈", "꿔바로우", "마라"],
                     brands: ["라화쿵부", "탕화마라", "마라공방"]),
        DemoCategory(name: "카페", family: "cafe", keywords: ["아이스 아메리카노", "카페라떼", "커피", "바닐라 라떼"],
                     brands: ["커피나무", "블루빈", "모닝로스터스"]),
        DemoCategory(name: "디저트", family: "cafe", keywords: ["케이크", "마카롱", "빙수", "크로플"],
                     brands: ["달콤상점", "설빙하우스", "마카롱공방"]),
        DemoCategory(name: "분식", family: "korean", keywords: ["떡볶이", "김밥", "순대", "라볶이"],
                     brands: ["엽기분식", "김밥천국", "신전분식"]),
        DemoCategory(name: "한식", family: "korean", keywords: ["김치찌개", "된장찌개", "비빔밥", "제육볶음"],
                     brands: ["엄마손밥상", "한상차림", "시골밥상"]),
        DemoCategory(name: "족발보쌈", family: "korean", keywords: ["족발", "보쌈", "막국수"],
                     brands: ["장충족발", "원할매보쌈"]),
        DemoCategory(name: "샐러드", family: "healthy", keywords: ["샐러드", "포케", "닭가슴살", "다이어트 도시락"],
                     brands: ["그린볼", "샐러디", "포케올데이"]),
        DemoCategory(name: "일식", family: "japanese", keywords: ["초밥", "돈카츠", "라멘", "우동"],
                     brands: ["스시로", "카츠공방", "멘야"]),
    ]

    /// Keywords that span categories: their vectors sit between those categories.
    static let crossCategoryKeywords: [(keyword: String, categories: [String])] = [
        ("야식", ["치킨", "족발보쌈", "피자"]),
        ("브런치", ["카페", "샐러드", "디저트"]),
        ("혼밥", ["분식", "한식", "일식"]),
    ]

    static let districts = ["강남", "역삼", "홍대", "신촌", "마포", "잠실", "종로", "성수", "이태원", "여의도", "건대", "합정"]
}
