/**
 * Function words of en, ru, fr and uk, dropped before counting: they are frequent everywhere, so they can only
 * add noise to a comparison of two windows. All four lists apply to every post, because a post's language
 * tag is sometimes wrong and a stopword is a stopword whatever the tag says.
 */
const EN = `a about above after again against all also am an and any are aren as at be because been before being below between both
but by can cannot could did do does doing don down during each even every few for from further get gets got had has have having he her
here hers herself him himself his how however i if in into is isn it its itself just let like many may me might more most much must my
myself never no nor not now of off on once one only or other our ours ourselves out over own really same say says said she should so
some such than that the their theirs them themselves then there these they this those through to too under until up upon us very via
was wasn we were what when where which while who whom why will with without would yet you your yours yourself yourselves still via
ever already since still though thing things people someone something anyone anything everyone everything`;

const RU = `а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы где да даже для до его ее её ей ему если есть
еще ещё же за здесь и из или им их к как какой когда кто ли либо мне может мы на над надо наш не него нее неё нет ни них но ну о об
однако он она они оно от очень по под после при про раз с со так также такой там те тем то того тоже той только том ты у уже хотя чего
чем что чтобы чье чья эта эти это этого этой этом этот я себя свой своя свои своих сейчас теперь тут был будет будут который которые
которая которое просто между через потому почему`;

const FR = `a à afin ai aie aient ainsi alors au aucun aussi autre aux avait avant avec avoir c ça car ce ceci cela celle celles celui ces cet
cette ceux chaque ci comme comment d dans de des donc dont du elle elles en encore est et été être eu fait faut il ils j je l la le les
leur leurs lui m ma mais me même mes moi mon n ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi qu quand que
quel quelle quelles quels qui s sa sans se sera ses si son sont sous sur t ta te tes toi ton tous tout toute toutes très tu un une vers
vos votre vous y était sont selon après depuis entre contre chez cela déjà aussi bien rien tout`;

const UK = `а або але б без би був була були було бути в вам вас весь во вот все всі всього від він вона вони воно ви де для до його її
є з за як який яка які яке коли хто чи мені може ми на над не немає ні них но о об однак від по під після при про раз с так також
там те тим то того теж тієї тільки той ти у вже хоча чого чим що щоб це цей ця ці цього цієї цим собі свій своя свої зараз тепер тут
буде будуть котрий між через тому чому ж же і й та ще`;

export const STOPWORDS: ReadonlySet<string> = new Set(
  [EN, RU, FR, UK].flatMap((list) => list.split(/\s+/)).filter(Boolean),
);

/**
 * The subject of every post (the case is what makes a post relevant), so never what distinguishes one window
 * from another; left out so that the room in each bucket goes to words that can.
 */
export const TOPIC_STEMS = /^(durov|дуров|pavel|павел|павло|telegram|телеграм|télégram)/u;
