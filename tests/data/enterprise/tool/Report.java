import java.io.File;
import java.io.FileOutputStream;
import org.jacoco.core.analysis.Analyzer;
import org.jacoco.core.analysis.CoverageBuilder;
import org.jacoco.core.tools.ExecFileLoader;
import org.jacoco.report.DirectorySourceFileLocator;
import org.jacoco.report.IReportVisitor;
import org.jacoco.report.xml.XMLFormatter;

/** Writes JaCoCo's XML report for classes/ from jacoco.exec, as jacoco:report / the CLI do. */
public class Report {
    public static void main(String[] args) throws Exception {
        ExecFileLoader loader = new ExecFileLoader();
        loader.load(new File(args[0]));
        CoverageBuilder builder = new CoverageBuilder();
        new Analyzer(loader.getExecutionDataStore(), builder).analyzeAll(new File(args[1]));
        XMLFormatter xml = new XMLFormatter();
        xml.setOutputEncoding("UTF-8");
        try (FileOutputStream out = new FileOutputStream(args[2])) {
            IReportVisitor visitor = xml.createVisitor(out);
            visitor.visitInfo(loader.getSessionInfoStore().getInfos(), loader.getExecutionDataStore().getContents());
            visitor.visitBundle(builder.getBundle(args[3]), new DirectorySourceFileLocator(new File(args[4]), "UTF-8", 4));
            visitor.visitEnd();
        }
    }
}
