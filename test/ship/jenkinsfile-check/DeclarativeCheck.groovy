// Reads a Jenkinsfile with the Groovy compiler (to the CONVERSION phase, as
// Jenkins does before it runs it) and checks the declarative structure of its
// `pipeline { }` block against Jenkins' documented declarative syntax
// (https://www.jenkins.io/doc/book/pipeline/syntax/): the sections and
// directives allowed where, `agent` and `stages` required, each stage with
// exactly one of steps/stages/parallel/matrix, known post conditions and
// `when` conditions, an `input` with a message. Prints one problem a line
// (line:col: message) and exits 1 when there is any.
//   java -cp <groovy jars> groovy.ui.GroovyMain DeclarativeCheck.groovy Jenkinsfile
import org.codehaus.groovy.ast.ASTNode
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.*

def PIPELINE = ['agent', 'stages', 'post', 'environment', 'options', 'parameters', 'triggers', 'tools', 'libraries']
def STAGE = ['agent', 'environment', 'input', 'options', 'when', 'tools', 'post', 'steps', 'stages', 'parallel', 'matrix', 'failFast']
def POST = ['always', 'changed', 'fixed', 'regression', 'aborted', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup']
def AGENTS = ['any', 'none', 'label', 'node', 'docker', 'dockerfile', 'kubernetes']
def WHEN = ['branch', 'buildingTag', 'changelog', 'changeset', 'changeRequest', 'environment', 'equals', 'expression', 'tag', 'not', 'allOf', 'anyOf', 'triggeredBy', 'beforeAgent', 'beforeInput', 'beforeOptions']
def problems = []
def at = { ASTNode n, String m -> problems << "${n.lineNumber}:${n.columnNumber}: ${m}" }

def unit = new CompilationUnit()
unit.addSource(new File(args[0]))
try {
  unit.compile(Phases.CONVERSION)
} catch (CompilationFailedException e) {
  println e.message
  System.exit(1)
}
def module = unit.AST.modules[0]

/** The method calls directly inside a closure: name -> [call]. */
def calls = { ClosureExpression c ->
  def code = c.code instanceof BlockStatement ? c.code.statements : [c.code]
  code.findAll { it instanceof ExpressionStatement && it.expression instanceof MethodCallExpression }*.expression
}
def closureOf = { MethodCallExpression m ->
  def a = m.arguments instanceof ArgumentListExpression ? m.arguments.expressions : []
  a ? (a[-1] instanceof ClosureExpression ? a[-1] : null) : null
}

def checkSection = { MethodCallExpression section, List allowed, String where ->
  def body = closureOf(section)
  if (!body) { at(section, "${section.methodAsString} in ${where} needs a { } block"); return [] }
  def inner = calls(body)
  inner.each { if (!(it.methodAsString in allowed)) at(it, "${it.methodAsString} is not allowed in ${section.methodAsString} (${where}); allowed: ${allowed.join(', ')}") }
  inner
}

def checkAgent = { MethodCallExpression agent ->
  def body = closureOf(agent)
  if (body) {
    def kinds = calls(body)*.methodAsString
    if (kinds.size() != 1 || !(kinds[0] in AGENTS)) at(agent, "agent must name one of ${AGENTS.join(', ')}, got ${kinds}")
  } else {
    def arg = agent.arguments.expressions ? agent.arguments.expressions[0] : null
    def name = arg instanceof VariableExpression ? arg.name : arg?.text
    if (!(name in ['any', 'none'])) at(agent, "agent without a block must be any or none")
  }
}

def checkStage
checkStage = { MethodCallExpression stage, String where ->
  def name = stage.arguments.expressions ? stage.arguments.expressions[0] : null
  if (!(name instanceof ConstantExpression)) at(stage, "stage in ${where} needs a name")
  def inner = checkSection(stage, STAGE, where)
  def bodies = inner.findAll { it.methodAsString in ['steps', 'stages', 'parallel', 'matrix'] }
  if (bodies.size() != 1) at(stage, "stage ${name?.text} needs exactly one of steps, stages, parallel, matrix")
  inner.each { d ->
    switch (d.methodAsString) {
      case 'agent': checkAgent(d); break
      case 'post': checkSection(d, POST, "stage ${name?.text}"); break
      case 'when': checkSection(d, WHEN, "stage ${name?.text}"); break
      case 'stages':
      case 'parallel': checkSection(d, ['stage'], "stage ${name?.text}").each { checkStage(it, "stage ${name?.text}") }; break
      case 'input':
        def c = closureOf(d)
        if (c && !calls(c).any { it.methodAsString == 'message' }) at(d, 'input needs a message')
        break
    }
  }
}

def top = module.statementBlock.statements.findAll { it instanceof ExpressionStatement && it.expression instanceof MethodCallExpression && it.expression.methodAsString == 'pipeline' }
if (top.size() != 1) {
  problems << "1:1: expected one pipeline { } block, found ${top.size()}"
} else {
  def pipeline = top[0].expression
  def sections = checkSection(pipeline, PIPELINE, 'pipeline')
  ['agent', 'stages'].each { req -> if (!sections.any { it.methodAsString == req }) at(pipeline, "pipeline needs ${req}") }
  sections.groupBy { it.methodAsString }.each { n, l -> if (l.size() > 1) at(l[1], "${n} appears twice in pipeline") }
  sections.each { s ->
    switch (s.methodAsString) {
      case 'agent': checkAgent(s); break
      case 'post': checkSection(s, POST, 'pipeline'); break
      case 'stages':
        def stages = checkSection(s, ['stage'], 'pipeline')
        if (!stages) at(s, 'stages needs at least one stage')
        stages.each { checkStage(it, 'pipeline') }
        break
    }
  }
}
problems.each { println it }
System.exit(problems ? 1 : 0)
