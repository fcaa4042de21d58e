package dev.ember.engine;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The device seam, pinned: backends see buffers and views, never tensors or autograd; only the seam itself
 * reaches into the CPU backend's classes and arrays. {@link #STILL_ON_CPU_ARRAYS} lists the ops whose loops have
 * not moved into {@code backend/cpu} yet: the list may only shrink.
 */
@Timeout(120)
class ArchitectureTest {
    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ember.engine");

    /** Ops that still run their own loops on CPU arrays (moving them behind Backend is the next step), nested classes included. */
    private static final String STILL_ON_CPU_ARRAYS = classesNamed("optim.Vec");

    private static String classesNamed(String... names) {
        return "dev\\.ember\\.engine\\.(" + String.join("|", names).replace(".", "\\.") + ")(\\$.*)?";
    }

    @Test
    void backendsSeeNoTensorsAutogradOrOps() {
        // Of the engine's own classes, a backend sees only the vocabulary of buffers: dtypes, devices, thread scopes.
        DescribedPredicate<JavaClass> tensorLevel = resideInAnyPackage("dev.ember.engine", "dev.ember.engine.autograd..",
                "dev.ember.engine.ops..", "dev.ember.engine.nn..", "dev.ember.engine.optim..", "dev.ember.engine.data..",
                "dev.ember.engine.train..", "dev.ember.engine.io..")
                .and(not(belongToAnyOf(DType.class, Device.class, ThreadOverride.class)));
        ArchRule rule = noClasses().that().resideInAPackage("dev.ember.engine.backend..")
                .should().dependOnClassesThat(tensorLevel);
        rule.check(ENGINE);
    }

    @Test
    void onlyTheSeamImportsTheCpuBackend() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.ember.engine.backend..")
                .and().doNotBelongToAnyOf(Storage.class, Threads.class)
                .and().haveNameNotMatching(STILL_ON_CPU_ARRAYS)
                .should().dependOnClassesThat().resideInAPackage("dev.ember.engine.backend.cpu..");
        rule.check(ENGINE);
    }

    @Test
    void onlyTheSeamReadsCpuArraysOutOfStorage() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.ember.engine.backend..")
                // Storage owns them; Tensor's host copy hands a fresh CPU array to its caller; Dispatch.toDevice
                // copies between a device and the host; safetensors files are read into and written from host memory.
                .and().doNotBelongToAnyOf(Storage.class, Tensor.class, dev.ember.engine.ops.Dispatch.class,
                        dev.ember.engine.io.SafeTensors.class)
                .and().haveNameNotMatching(STILL_ON_CPU_ARRAYS)
                .should().callMethod(Storage.class, "floats")
                .orShould().callMethod(Storage.class, "doubles")
                .orShould().callMethod(Storage.class, "longs")
                .orShould().callMethod(Storage.class, "ints")
                .orShould().callMethod(Storage.class, "bytes")
                .orShould().callMethod(Storage.class, "array");
        rule.check(ENGINE);
    }
}
